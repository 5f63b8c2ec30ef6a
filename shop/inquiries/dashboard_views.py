"""Staff side of inquiries in the dashboard (I2, S1): open ones first, answer, close."""

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from shop.accounts.roles import ANSWER_INQUIRIES, StaffPermissionRequiredMixin

from . import services
from .forms import StaffAnswerForm
from .models import Inquiry

STATUS_ORDER = Case(
    When(status=Inquiry.Status.OPEN, then=Value(0)),
    When(status=Inquiry.Status.ANSWERED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


class InquiryListView(StaffPermissionRequiredMixin, View):
    permission_required = ANSWER_INQUIRIES

    def get(self, request):
        status = request.GET.get("status", "")
        inquiries = Inquiry.objects.select_related("company", "created_by", "product")
        if status in Inquiry.Status.values:
            inquiries = inquiries.filter(status=status)
        # 受付中 first (the shop owes an answer), then 回答済, then 完了; latest activity first within each
        inquiries = inquiries.annotate(status_order=STATUS_ORDER).order_by("status_order", "-updated_at", "-pk")
        return render(
            request,
            "inquiries/dashboard/list.html",
            {"inquiries": inquiries[:200], "statuses": Inquiry.Status.choices, "selected_status": status},
        )


class InquiryDetailView(StaffPermissionRequiredMixin, View):
    permission_required = ANSWER_INQUIRIES
    template_name = "inquiries/dashboard/detail.html"

    def _render(self, request, inquiry, form, status=200):
        thread = inquiry.messages.select_related("author")
        return render(request, self.template_name, {"inquiry": inquiry, "thread": thread, "form": form}, status=status)

    def _inquiry(self, number):
        return get_object_or_404(
            Inquiry.objects.select_related("company", "created_by", "product", "order"), number=number
        )

    def get(self, request, number):
        return self._render(request, self._inquiry(number), StaffAnswerForm())

    def post(self, request, number):
        inquiry = self._inquiry(number)
        if request.POST.get("action") == "close":
            services.close(inquiry=inquiry, by=request.user)
            messages.success(request, f"{inquiry.number} を完了にしました。")
            return redirect("inquiries-dashboard:inquiry-detail", number=inquiry.number)
        form = StaffAnswerForm(request.POST)
        if not form.is_valid():
            return self._render(request, inquiry, form, status=400)
        services.reply_as_staff(inquiry=inquiry, by=request.user, body=form.cleaned_data["body"])
        messages.success(request, f"{inquiry.number} に回答し、お客様にメールでお知らせしました。")
        return redirect("inquiries-dashboard:inquiry-detail", number=inquiry.number)
