"""承認待ち一覧 and the approval page (M7).

An approver sees the orders whose open step is theirs, and on each exactly
what will be ordered: lines, prices, totals, payment method, delivery
address, PO number, comment and documents. Any other member gets 404 for
the approval page: the order is not theirs to approve.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_model

from shop.companies import credit
from shop.companies.access import MemberRequiredMixin
from shop.companies.models import CreditReservation

from . import workflow
from .models import ApprovalStep

Order = get_model("order", "Order")


class ApprovalListView(MemberRequiredMixin, TemplateView):
    template_name = "approvals/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["steps"] = (
            ApprovalStep.objects.filter(approver=self.member, state=ApprovalStep.State.PENDING)
            .select_related("order", "order__user")
            .order_by("order__date_placed")
        )
        return ctx


class ApprovalDetailView(MemberRequiredMixin, TemplateView):
    template_name = "approvals/detail.html"

    def get_step(self):
        step = (
            ApprovalStep.objects.filter(
                order__number=self.kwargs["number"], order__company=self.company, approver=self.member
            )
            .select_related("order", "order__user")
            .order_by("-position")
            .first()
        )
        if step is None:
            raise Http404
        return step

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        step = self.get_step()
        order = step.order
        ctx.update(
            step=step,
            order=order,
            steps=order.approval_steps.select_related("approver__user"),
            can_act=step.state == ApprovalStep.State.PENDING and order.user_id != self.member.user_id,
            credit_remaining=credit.remaining(company=self.company),  # P2: seen before approving (issue 10)
            order_reserved=CreditReservation.objects.filter(order=order, status=CreditReservation.Status.RESERVED)
            .values_list("amount", flat=True)
            .first(),
        )
        return ctx


class ApprovalDecideView(MemberRequiredMixin, View):
    """POST only: 承認する or 差し戻す, by the designated approver of the open step."""

    def post(self, request, number):
        order = Order.objects.filter(number=number, company=self.company).first()
        if order is None or not order.approval_steps.filter(approver=self.member).exists():
            raise Http404
        comment = request.POST.get("comment", "")[:2000]
        try:
            if request.POST.get("decision") == "approve":
                workflow.approve(order=order, by=self.member, comment=comment)
                messages.success(request, f"注文 {order.number} を承認しました。")
            elif request.POST.get("decision") == "send-back":
                workflow.send_back(order=order, by=self.member, comment=comment)
                messages.success(request, f"注文 {order.number} を差し戻しました。")
            else:
                messages.error(request, "承認または差戻しを選んでください。")
        except workflow.ApprovalRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("approvals:approval-detail", number=order.number)
