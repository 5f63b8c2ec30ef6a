"""Buyer pages: 「事前申請」/ new inquiry, 「お問合せ履歴」 and a thread (C4, I1, I2). Company-scoped."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_model

from shop.accounts import ratelimits
from shop.catalogue import selectors
from shop.companies.access import MemberRequiredMixin

from . import services
from .forms import InquiryForm, MessageForm, VisitorInquiryForm
from .models import Inquiry

Order = get_model("order", "Order")


def _submission_key(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


class InquiryCreateView(MemberRequiredMixin, View):
    template_name = "inquiries/form.html"

    def _product(self, value):
        if not value:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise Http404 from None
        return get_object_or_404(selectors.on_sale().select_related("maker"), pk=pk)

    def _order(self, value):
        """「この注文について問い合わせ」 (O6): only an order of the member's own company (M6)."""
        if not value:
            return None
        return get_object_or_404(Order, number=value, company=self.company)

    def _render(self, request, form, product, order=None, status=200):
        ctx = {"form": form, "product": product, "order": order, "member": self.member}
        return render(request, self.template_name, ctx, status)

    def get(self, request):
        product = self._product(request.GET.get("product"))
        order = self._order(request.GET.get("order"))
        initial = {}
        if order is not None:
            initial["subject"] = services.order_subject(order)
        elif product is not None:
            if product.requires_pre_application:
                initial["subject"] = services.pre_application_subject(product)
            else:
                initial["subject"] = f"商品について: {product.get_title()}（{product.upc}）"
        return self._render(request, InquiryForm(initial=initial, product=product, order=order), product, order)

    def post(self, request):
        product = self._product(request.POST.get("product"))
        order = self._order(request.POST.get("order") or request.GET.get("order"))
        key = _submission_key(request)
        if key is not None and Inquiry.objects.filter(submission_key=key).exclude(company=self.company).exists():
            raise Http404  # the key of another company's (or a visitor's) inquiry: never answered with it (M6)
        form = InquiryForm(request.POST, product=product, order=order)
        if not form.is_valid():
            return self._render(request, form, product, order)
        inquiry, created = services.open_inquiry(
            member=self.member,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            product=product,
            order=order,
            category=form.cleaned_data.get("category", ""),
            submission_key=key,
        )
        if created:
            messages.success(
                request, f"お問い合わせ（{inquiry.number}）を受け付けました。当店からの回答はメールでお知らせします。"
            )
        return redirect("inquiries:inquiry-detail", number=inquiry.number)


class VisitorInquiryView(View):
    """「お問い合わせ」 for visitors (I1): pre-sales questions without an account; members use their own form."""

    template_name = "inquiries/visitor_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and hasattr(request.user, "member"):
            return redirect("inquiries:inquiry-create")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": VisitorInquiryForm()})

    def post(self, request):
        form = VisitorInquiryForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        data = form.cleaned_data
        if data["website"]:  # a robot: answer as if accepted, keep nothing
            return render(request, "inquiries/visitor_done.html", {"inquiry": None})
        if ratelimits.over_limit(request, group=ratelimits.INQUIRY, emails=[data["email"]]):
            form.add_error(None, ratelimits.LIMITED_MESSAGE)  # nothing kept, nothing sent
            return render(request, self.template_name, {"form": form}, status=429)
        inquiry, _ = services.open_visitor_inquiry(
            name=data["name"],
            company_name=data["company_name"],
            email=data["email"],
            phone=data["phone"],
            category=data["category"],
            subject=data["subject"],
            body=data["body"],
            submission_key=_submission_key(request),
        )
        return render(request, "inquiries/visitor_done.html", {"inquiry": inquiry})


class InquiryListView(MemberRequiredMixin, TemplateView):
    template_name = "inquiries/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["inquiries"] = Inquiry.objects.filter(company=self.company).select_related("created_by", "product", "order")
        return ctx


class InquiryDetailView(MemberRequiredMixin, View):
    template_name = "inquiries/detail.html"

    def _inquiry(self, number):
        return get_object_or_404(
            Inquiry.objects.select_related("company", "created_by", "product", "order"),
            number=number,
            company=self.company,
        )

    def _render(self, request, inquiry, form, status=200):
        thread = inquiry.messages.select_related("author")
        ctx = {"inquiry": inquiry, "thread": thread, "form": form, "member": self.member}
        return render(request, self.template_name, ctx, status=status)

    def get(self, request, number):
        return self._render(request, self._inquiry(number), MessageForm())

    def post(self, request, number):
        inquiry = self._inquiry(number)
        form = MessageForm(request.POST)
        if not form.is_valid():
            return self._render(request, inquiry, form)
        try:
            services.reply_as_buyer(inquiry=inquiry, member=self.member, body=form.cleaned_data["body"])
        except services.InquiryClosed:
            messages.error(request, "このお問い合わせは完了しています。新しいお問い合わせとしてお送りください。")
        else:
            messages.success(request, "返信を送信しました。")
        return redirect("inquiries:inquiry-detail", number=inquiry.number)
