"""The approval workflow 「承認機能」 (M7).

An order placed by a member whose route is 一次承認 or 一次+二次 waits as
承認待ち. Its steps are created with it, one per approver, in the route's
order; only the first is open. Each step can be approved or sent back with a
comment, only by its designated approver (no proxy approval), never by the
requester themself. Approving the last step accepts the order: from then on
it is confirmed and 「ご注文を受付しました」 is sent (O4). Sending back at
any step ends the order as 差戻し and releases its credit reservation (P2).
Every step emails the next approver and the requester, after commit.

Each transition locks the order row, so two approvers (or a double click)
can never both act on the same step.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.companies import credit
from shop.notifications import mail
from shop.order import status
from shop.payments import settlement

from .models import ApprovalStep

Order = get_model("order", "Order")


class ApprovalRefused(Exception):
    pass


def approvers_for(member) -> list:
    route = member.approval_route
    if route == member.Route.NONE:
        return []
    chain = [member.first_approver]
    if route == member.Route.TWO:
        chain.append(member.second_approver)
    if any(approver is None for approver in chain):
        raise ApprovalRefused("承認ルートの承認者が設定されていません。会社の管理者にご確認ください。")
    if any(approver.pk == member.pk for approver in chain):
        raise ApprovalRefused("ご自身を承認者とする承認ルートでは注文できません。会社の管理者にご確認ください。")
    return chain


def start(*, order, requester) -> None:
    """Create the order's steps and ask the first approver (call inside the placing transaction)."""
    chain = approvers_for(requester)
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            order=order,
            position=index,
            approver=approver,
            state=ApprovalStep.State.PENDING if index == 1 else ApprovalStep.State.WAITING,
        )
        for index, approver in enumerate(chain, start=1)
    )
    _notify_approver(order, chain[0])
    _notify_requester(order, "approval_requested_requester", step=None)


def current_step(order) -> ApprovalStep | None:
    return order.approval_steps.filter(state=ApprovalStep.State.PENDING).select_related("approver__user").first()


def _lock(order, by):
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != status.AWAITING_APPROVAL:
        raise ApprovalRefused(f"注文 {order.number} は承認待ちではありません（{status.label(order.status)}）。")
    step = current_step(order)
    if step is None or step.approver_id != by.pk:
        raise ApprovalRefused("この注文を承認できるのは、指定された承認者だけです。")
    if order.user_id == by.user_id:
        raise ApprovalRefused("ご自身の注文は承認できません。")
    return order, step


@transaction.atomic
def approve(*, order, by, comment: str = ""):
    order, step = _lock(order, by)
    step.state, step.comment, step.decided_at = ApprovalStep.State.APPROVED, comment.strip(), timezone.now()
    step.save(update_fields=["state", "comment", "decided_at"])
    following = order.approval_steps.filter(position=step.position + 1).select_related("approver__user").first()
    if following is not None:
        following.state = ApprovalStep.State.PENDING
        following.save(update_fields=["state"])
        _notify_approver(order, following.approver)
        _notify_requester(order, "approval_step_approved", step=step)
        return order
    order.set_status(status.ACCEPTED)
    from shop.order.placement import send_received

    send_received(order)
    return order


def send_back(*, order, by, comment: str):
    """差戻し: the order ends here, its credit goes back, and the partner is told once this commits."""
    if not comment.strip():
        raise ApprovalRefused("差戻しの理由をコメントに入力してください。")
    with transaction.atomic():
        order, step = _lock(order, by)
        step.state, step.comment, step.decided_at = ApprovalStep.State.SENT_BACK, comment.strip(), timezone.now()
        step.save(update_fields=["state", "comment", "decided_at"])
        order.approval_steps.filter(state=ApprovalStep.State.WAITING).update(state=ApprovalStep.State.CLOSED)
        order.set_status(status.SENT_BACK)
        credit.release(order=order, reason=credit.SENT_BACK)
        payment = settlement.request_cancel(order=order)
        _notify_requester(order, "approval_sent_back", step=step)
    settlement.run_action_after_commit(payment)
    return order


def _link(name: str, number: str) -> str:
    return mail.site_url(reverse(name, kwargs={"number": number}))


def _notify_approver(order, approver) -> None:
    if approver.user.email:
        mail.queue(
            template="approval_request",
            to=approver.user.email,
            context={
                "order": order,
                "approver": approver.user,
                "link": _link("approvals:approval-detail", order.number),
            },
        )


def _notify_requester(order, template: str, *, step) -> None:
    if order.user and order.user.email:
        mail.queue(
            template=template,
            to=order.user.email,
            context={"order": order, "step": step, "link": _link("orders:order-detail", order.number)},
        )
