"""Staff order handling in the dashboard 「受注管理」 (O6, O7, S1).

The list filters by status; the order page shows what the buyer ordered and
asked for (lines, totals, 発注書番号, comment, resale, delivery address,
payment method), moves the status on (`fulfilment.move`), cancels with a
reason (`cancellation.cancel`, O5), takes the contract period of each licence
line (`contracts.set_period`) and lists the order's inquiries. Every URL sits under /shop/dashboard/, so staff need their second
factor (M11).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView
from oscar.core.loading import get_model

from shop.accounts.roles import MANAGE_ORDERS, VIEW_ATTACHMENTS, StaffPermissionRequiredMixin
from shop.payments.models import Payment

from . import cancellation, contracts, fulfilment, status
from .dashboard_forms import CancelForm, ContractPeriodForm, StatusMoveForm

Order = get_model("order", "Order")


class OrderListView(StaffPermissionRequiredMixin, ListView):
    permission_required = MANAGE_ORDERS
    template_name = "order/dashboard/order_list.html"
    context_object_name = "orders"
    paginate_by = 50

    def get_queryset(self):
        orders = Order.objects.select_related("company", "user").order_by("-date_placed", "-pk")
        self.selected_status = self.request.GET.get("status", "")
        self.query = self.request.GET.get("q", "").strip()
        if self.selected_status in status.LABELS:
            orders = orders.filter(status=self.selected_status)
        if self.query:
            orders = orders.filter(
                Q(number__icontains=self.query)
                | Q(company__name__icontains=self.query)
                | Q(purchase_order_number__icontains=self.query)
            )
        return orders

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            statuses=list(status.LABELS.items()),
            selected_status=self.selected_status,
            query=self.query,
            **kwargs,
        )


class OrderDetailView(StaffPermissionRequiredMixin, View):
    permission_required = MANAGE_ORDERS
    template_name = "order/dashboard/order_detail.html"

    def _order(self, number):
        return get_object_or_404(
            Order.objects.select_related("company", "user", "quote").prefetch_related("lines__product"),
            number=number,
        )

    def _contract_forms(self, order, data=None):
        return [ContractPeriodForm(data, line=line) for line in contracts.lines_with_period(order)]

    def _render(self, request, order, *, status_form=None, cancel_form=None, contract_forms=None, code=200):
        ctx = {
            "order": order,
            "status_form": status_form or StatusMoveForm(order=order),
            "cancel_form": cancel_form or CancelForm(),
            "cancellable": status.CANCELLED in status.PIPELINE.get(order.status, ()),
            "has_moves": bool(fulfilment.staff_moves(order.status)),
            "awaiting_approval": order.status in fulfilment.DECIDED_BY_APPROVERS,
            "contracts_editable": order.status in contracts.CONFIRMED,
            "contract_forms": contract_forms if contract_forms is not None else self._contract_forms(order),
            "status_changes": order.status_changes.order_by("-date_created", "-pk"),
            "notes": order.notes.select_related("user").order_by("-date_created", "-pk"),
            "inquiries": order.inquiries.select_related("created_by").order_by("-created_at", "-pk"),
            # what billing waits on (issue 10) and the buyer's 申請書類 (O3, issue 11), on the order itself
            "payment": Payment.objects.filter(order=order).first(),
            "attachments": order.attachments.all(),
            "can_download": request.user.has_perm(VIEW_ATTACHMENTS),
        }
        return render(request, self.template_name, ctx, status=code)

    def get(self, request, number):
        return self._render(request, self._order(number))

    def post(self, request, number):
        order = self._order(number)
        action = request.POST.get("action")
        if action == "status":
            return self._move(request, order)
        if action == "cancel":
            return self._cancel(request, order)
        if action == "contracts":
            return self._save_contracts(request, order)
        return redirect("order-dashboard:order-detail", number=order.number)

    def _move(self, request, order):
        form = StatusMoveForm(request.POST, order=order)
        if not form.is_valid():
            return self._render(request, order, status_form=form, code=400)
        try:
            moved = fulfilment.move(
                order=order,
                to=form.cleaned_data["to"],
                by=request.user,
                delivery_date=form.cleaned_data["delivery_date"],
                message=form.cleaned_data["message"],
            )
        except fulfilment.MoveRefused as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                f"注文 {moved.number} の状況を「{status.label(moved.status)}」に変更し、お客様にメールでお知らせしました。",
            )
        return redirect("order-dashboard:order-detail", number=order.number)

    def _cancel(self, request, order):
        form = CancelForm(request.POST)
        if not form.is_valid():
            return self._render(request, order, cancel_form=form, code=400)
        try:
            cancellation.cancel(order=order, by=request.user, reason=form.cleaned_data["reason"])
        except cancellation.CancelRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"注文 {order.number} をキャンセルし、お客様にメールでお知らせしました。")
        return redirect("order-dashboard:order-detail", number=order.number)

    def _save_contracts(self, request, order):
        forms = self._contract_forms(order, request.POST)
        if not all(form.is_valid() for form in forms):
            return self._render(request, order, contract_forms=forms, code=400)
        saved = 0
        for form in forms:
            if not form.is_changed:
                continue
            try:
                contracts.set_period(
                    line=form.line, start=form.cleaned_data["start"], end=form.cleaned_data["end"], by=request.user
                )
            except contracts.PeriodRefused as refused:
                messages.error(request, refused.message)
                return redirect("order-dashboard:order-detail", number=order.number)
            saved += 1
        if saved:
            messages.success(request, f"{saved}件の明細の契約期間を保存しました。")
        else:
            messages.info(request, "契約期間に変更はありませんでした。")
        return redirect("order-dashboard:order-detail", number=order.number)
