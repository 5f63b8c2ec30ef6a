"""「アドレス帳」 pages (M8), scoped to the signed-in member's company (M6).

Every lookup goes through ``request.user.member.company``: another company's
address answers 404 and nothing changes. Users without a company membership
(shop staff) get 404 too; anonymous users go to the login page.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import DeleteView, FormView, ListView, UpdateView

from shop.companies.access import MemberRequiredMixin

from . import services
from .forms import SUBMISSION_MESSAGE, CompanyAddressCreateForm, CompanyAddressForm
from .models import CompanyAddress

LIST_URL = reverse_lazy("addressbook:list")


class CompanyMemberMixin(MemberRequiredMixin):
    """The company's addresses only (M6)."""

    def get_queryset(self):
        return CompanyAddress.objects.filter(company=self.company)


class AddressListView(CompanyMemberMixin, ListView):
    template_name = "addressbook/list.html"
    context_object_name = "addresses"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["company"] = self.company
        return context


class AddressCreateView(CompanyMemberMixin, FormView):
    template_name = "addressbook/form.html"
    form_class = CompanyAddressCreateForm
    extra_context = {"page_title": "新しい配送先を登録する", "submit_label": "登録する"}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in services.ADDRESS_FIELDS}
        try:
            address, created = services.create_address(
                company=self.company,
                user=self.request.user,
                data=data,
                submission_key=form.cleaned_data["submission_key"],
                make_default=form.cleaned_data["make_default"],
            )
        except services.SubmissionKeyConflict:
            return self._refuse(form)
        if created:
            messages.success(self.request, f"配送先「{address.site_name}」を登録しました。")
        else:
            messages.info(self.request, f"配送先「{address.site_name}」は登録済みです（二重送信を防止しました）。")
        return redirect(LIST_URL)

    def _refuse(self, form):
        """The key belongs to another company's address (a tampered form): ask again with a fresh key."""
        data = form.data.copy()
        data["submission_key"] = str(uuid.uuid4())
        fresh = self.get_form_class()(data=data)
        fresh.is_valid()
        fresh.add_error(None, SUBMISSION_MESSAGE)
        return self.render_to_response(self.get_context_data(form=fresh))


class AddressUpdateView(CompanyMemberMixin, UpdateView):
    template_name = "addressbook/form.html"
    form_class = CompanyAddressForm
    context_object_name = "address"
    extra_context = {"page_title": "配送先を編集する", "submit_label": "変更を保存する"}

    def form_valid(self, form):
        data = {name: form.cleaned_data[name] for name in services.ADDRESS_FIELDS}
        try:
            address = services.update_address(company=self.company, pk=self.object.pk, data=data)
        except CompanyAddress.DoesNotExist:
            raise Http404 from None
        messages.success(self.request, f"配送先「{address.site_name}」を変更しました。")
        return redirect(LIST_URL)


class AddressDeleteView(CompanyMemberMixin, DeleteView):
    template_name = "addressbook/confirm_delete.html"
    context_object_name = "address"
    http_method_names = ["get", "post", "head", "options"]

    def form_valid(self, form):
        try:
            services.delete_address(company=self.company, pk=self.object.pk)
        except CompanyAddress.DoesNotExist:
            raise Http404 from None
        messages.success(self.request, f"配送先「{self.object.site_name}」を削除しました。")
        return HttpResponseRedirect(LIST_URL)


class AddressSetDefaultView(CompanyMemberMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            address = services.set_default(company=self.company, pk=pk)
        except CompanyAddress.DoesNotExist:
            raise Http404 from None
        messages.success(request, f"「{address.site_name}」を既定の配送先にしました。")
        return redirect(LIST_URL)


class AddressFromCompanyView(CompanyMemberMixin, View):
    """「登録住所を配送先にする」: one click, the registered company address becomes the default."""

    http_method_names = ["post"]

    def post(self, request):
        address, created = services.create_from_company(member=self.member)
        if created:
            messages.success(
                request,
                f"登録住所（〒{address.postcode} {address.address}）を既定の配送先にしました。"
                "ご担当者名・電話番号をご確認ください。",
            )
        else:
            messages.info(request, "配送先はすでに登録されています。")
        return redirect(reverse("addressbook:list"))
