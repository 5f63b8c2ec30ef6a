"""Staff screen 「与信枠」 (S1, P2): each company's credit line from the payment partner.

Staff run the partner's screening for a company (「与信審査を実行」): the buyer id
and, when approved, the credit line are saved on the company. The line can
also be set by hand (e.g. lower than the partner's, or after the partner
raised it by phone). Orders on deferred invoice are checked against this line
(`shop.companies.credit`) and, per order, by the partner itself (`authorize`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView

from shop.accounts.roles import MANAGE_CREDIT, StaffPermissionRequiredMixin
from shop.companies import credit
from shop.companies.models import Company, CreditLimitChange

from . import invoice, screening


class CreditLimitForm(forms.Form):
    credit_limit = forms.DecimalField(
        label="与信枠（円）",
        min_value=0,
        max_digits=14,
        decimal_places=0,
        error_messages={
            "required": "与信枠を入力してください。",
            "invalid": "与信枠は0以上の整数（円）で入力してください。",
            "min_value": "与信枠は0以上の整数（円）で入力してください。",
            "max_decimal_places": "与信枠は円単位の整数で入力してください。",
            "max_digits": "与信枠が大きすぎます。",
        },
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=255,
        error_messages={"required": _("Enter the reason for changing the credit line.")},
    )


def _back(request):
    query = request.POST.get("q", "")
    response = redirect("credit-dashboard:company-list")
    if query:
        response["Location"] += "?" + urlencode({"q": query})
    return response


class CreditListView(StaffPermissionRequiredMixin, ListView):
    permission_required = MANAGE_CREDIT
    template_name = "payments/dashboard/credit_list.html"
    context_object_name = "companies"
    paginate_by = 50

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()
        latest = CreditLimitChange.objects.select_related("changed_by").order_by("-changed_at", "-pk")
        companies = (
            credit.with_credit(Company.objects.all())
            .prefetch_related(Prefetch("credit_limit_changes", queryset=latest))
            .order_by("name", "pk")
        )
        if self.query:
            companies = companies.filter(Q(name__icontains=self.query) | Q(invoice_buyer_id__icontains=self.query))
        return companies

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(query=self.query, **kwargs)
        for company in ctx["companies"]:
            company.remaining = credit.remaining_of(company)
            changes = list(company.credit_limit_changes.all())
            company.last_change = changes[0] if changes else None
        return ctx


class CreditScreenView(StaffPermissionRequiredMixin, View):
    """「与信審査を実行」: ask the partner to screen the company and keep its answer."""

    permission_required = MANAGE_CREDIT

    def post(self, request, pk):
        company = get_object_or_404(Company, pk=pk)
        try:
            result = screening.screen(company=company, by=request.user)
        except invoice.InvoicePartnerError as exc:
            messages.error(request, f"{company.name}: 与信審査を実行できませんでした。{exc}")
            return _back(request)
        if result.status == "approved":
            messages.success(
                request, f"{company.name}: 与信審査の結果は承認です（与信枠 ¥{result.credit_limit:,.0f}）。"
            )
        elif result.status == "rejected":
            messages.warning(
                request, f"{company.name}: 与信審査の結果は否決です。請求書払いはご利用いただけません（与信枠 ¥0）。"
            )
        else:
            messages.info(
                request, f"{company.name}: 決済会社で審査中です。結果が出たら、もう一度審査を実行してください。"
            )
        return _back(request)


class CreditLimitView(StaffPermissionRequiredMixin, View):
    """Set the credit line by hand."""

    permission_required = MANAGE_CREDIT

    def post(self, request, pk):
        company = get_object_or_404(Company, pk=pk)
        form = CreditLimitForm(request.POST)
        if not form.is_valid():
            for field in ("credit_limit", "reason"):
                for error in form.errors.get(field, []):
                    messages.error(request, f"{company.name}: {error}")
            return _back(request)
        limit = form.cleaned_data["credit_limit"]
        credit.set_limit(company=company, limit=limit, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"{company.name}: 与信枠を ¥{limit:,.0f} に変更しました。")
        return _back(request)
