"""Withdrawing an order while it waits for approval 「注文の取り下げ」 (M7, issue 11).

The member who placed an order that is still 承認待ち may withdraw it, with
an optional reason. The order ends as キャンセル with the reason
「申請者による取り下げ」 (O5): its open and waiting approval steps are
closed, so no approver can act on it any more, its credit reservation goes
back to the company's credit line (P2, reason "withdrawn"), and the payment
partner's authorisation is cancelled once the change has committed (never
inside the transaction: `settlement.request_cancel` +
`run_action_after_commit`, as for 差戻し). The approvers who had not decided
yet (their step open or waiting) are emailed that the order was withdrawn.

Everything happens under the order's row lock, so a withdrawal racing an
approval, or a double click, changes the order once: the second attempt finds
the order no longer 承認待ち and is refused.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, pgettext
from oscar.core.loading import get_model

from shop.companies import credit
from shop.notifications import mail
from shop.order import status
from shop.payments import settlement

from .models import ApprovalStep

Order = get_model("order", "Order")


def cancel_reason() -> str:
    return pgettext("order cancel reason", "Withdrawn by the requester")


OPEN_STATES = (ApprovalStep.State.PENDING, ApprovalStep.State.WAITING)


class WithdrawalRefused(Exception):
    pass


def can_withdraw(order, member) -> bool:
    """Whether `member` may withdraw `order` now (the button on the order page)."""
    return (
        member is not None
        and order.company_id == member.company_id
        and order.user_id is not None
        and order.user_id == member.user_id
        and order.status == status.AWAITING_APPROVAL
    )


def withdraw(*, order, by, reason: str = ""):
    """The requester `by` (a Member) withdraws `order`; raises WithdrawalRefused with the reason why not."""
    reason = reason.strip()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.company_id != by.company_id or order.user_id is None or order.user_id != by.user_id:
            raise WithdrawalRefused(gettext("Only the member who placed this order can withdraw it."))
        if order.status != status.AWAITING_APPROVAL:
            raise WithdrawalRefused(
                gettext("Order %(number)s is not awaiting approval, so it cannot be withdrawn (%(status)s).")
                % {"number": order.number, "status": status.label(order.status)}
            )
        undecided = list(order.approval_steps.filter(state__in=OPEN_STATES).select_related("approver__user"))
        order.approval_steps.filter(state__in=OPEN_STATES).update(state=ApprovalStep.State.CLOSED)
        order.cancel_reason = f"{cancel_reason()}：{reason}" if reason else cancel_reason()
        order.save(update_fields=["cancel_reason"])
        order.set_status(status.CANCELLED)
        credit.release(order=order, reason=credit.WITHDRAWN)
        payment = settlement.request_cancel(order=order)
        for step in undecided:
            _notify_approver(order, step, reason=reason)
    settlement.run_action_after_commit(payment)
    return order


def _notify_approver(order, step, *, reason: str) -> None:
    approver = step.approver.user
    if approver.email:
        mail.queue(
            template="approval_withdrawn",
            to=approver.email,
            context={
                "order": order,
                "approver": approver,
                "step": step,
                "reason": reason,
                "link": mail.site_url(reverse("approvals:approval-list")),
            },
        )
