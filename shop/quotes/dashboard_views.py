"""Staff screens for quotes in the dashboard: all quotes, and issuing a custom quote (個別見積, Q5, S1)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from shop.accounts.roles import ISSUE_CUSTOM_QUOTES, StaffPermissionRequiredMixin

from . import custom, services
from .dashboard_forms import (
    CustomQuoteForm,
    QuoteLineFormSet,
    blank_rows,
    default_valid_until,
    rows_from,
)
from .models import Quote

LINES = "lines"


class QuoteListView(StaffPermissionRequiredMixin, ListView):
    permission_required = ISSUE_CUSTOM_QUOTES
    template_name = "quotes/dashboard/quote_list.html"
    context_object_name = "quotes"
    paginate_by = 50

    def get_queryset(self):
        quotes = Quote.objects.select_related("company", "created_by")
        self.query = self.request.GET.get("q", "").strip()
        self.custom_only = self.request.GET.get("custom") == "1"
        if self.query:
            quotes = quotes.filter(Q(company__name__icontains=self.query) | Q(number__icontains=self.query))
        if self.custom_only:
            quotes = quotes.filter(kind=Quote.Kind.CUSTOM)
        return quotes

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, custom_only=self.custom_only, **kwargs)


class QuoteDetailView(StaffPermissionRequiredMixin, View):
    permission_required = ISSUE_CUSTOM_QUOTES

    def get(self, request, number):
        quote = get_object_or_404(
            Quote.objects.select_related("company", "created_by", "requoted_from").prefetch_related(
                "lines", "discounts"
            ),
            number=number,
        )
        return render(
            request, "quotes/dashboard/quote_detail.html", {"quote": quote, "summary": services.tax_summary(quote)}
        )


def _submission_key(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get("submission_key", ""))
    except (TypeError, ValueError):
        return None


class CustomQuoteCreateView(StaffPermissionRequiredMixin, View):
    permission_required = ISSUE_CUSTOM_QUOTES
    template_name = "quotes/dashboard/quote_create.html"

    def _render(self, request, form, formset, key, status=200):
        return render(
            request,
            self.template_name,
            {"form": form, "formset": formset, "submission_key": key},
            status=status,
        )

    def get(self, request):
        # ?company=<pk>&code=<商品コード>&note=...: answering an inquiry (C4) starts from its company and product
        form = CustomQuoteForm(
            initial={
                "valid_until": default_valid_until(),
                "company": request.GET.get("company", ""),
                "note": request.GET.get("note", "")[:2000],
            }
        )
        rows = blank_rows()
        if code := request.GET.get("code", "")[:64]:
            rows[0] = {"code": code, "quantity": 1}
        return self._render(request, form, QuoteLineFormSet(prefix=LINES, initial=rows), None)

    def post(self, request):
        key = _submission_key(request.POST)
        if "add_rows" in request.POST:
            # 「行を追加」: the same page again, as typed, with more empty rows (no JavaScript needed)
            form = CustomQuoteForm(initial={name: request.POST.get(name, "") for name in CustomQuoteForm.base_fields})
            rows = rows_from(request.POST, LINES) + blank_rows()
            return self._render(request, form, QuoteLineFormSet(prefix=LINES, initial=rows), key)

        form = CustomQuoteForm(request.POST)
        formset = QuoteLineFormSet(request.POST, prefix=LINES)
        form_ok, lines_ok = form.is_valid(), formset.is_valid()
        if not (form_ok and lines_ok):
            return self._render(request, form, formset, key, status=400)
        rows = formset.filled()
        try:
            quote = custom.create_custom_quote(
                company=form.cleaned_data["company"],
                staff_user=request.user,
                lines=[row.spec for row in rows],
                valid_until=form.cleaned_data["valid_until"],
                note=form.cleaned_data["note"],
                submission_key=key,
            )
        except ValidationError as exc:
            _attach(exc, form, formset, rows)
            return self._render(request, form, formset, key, status=400)
        messages.success(request, f"個別見積 {quote.number} を{quote.company.name}に発行しました。")
        return redirect("quote-dashboard:quote-detail", number=quote.number)


def _attach(exc: ValidationError, form, formset, rows) -> None:
    """Show the service's errors where they belong: on the row (numbered as on screen) or on the field."""
    for error in exc.error_list:
        params = dict(error.params or {})
        if "line" in params:
            row = rows[params["line"] - 1]
            params["line"] = formset.forms.index(row) + 1
            row.add_error(None, ValidationError(error.message, code=error.code, params=params))
        elif error.code == "valid_until":
            form.add_error("valid_until", error)
        elif error.code == "company_inactive":
            form.add_error("company", error)
        else:
            form.add_error(None, error)
