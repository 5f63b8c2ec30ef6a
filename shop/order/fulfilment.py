"""Staff move an order on through its statuses (O7, S1): one function for every move.

O7: the buyer sees 承認待ち, 受付済, 手配中, 納品済/契約開始, キャンセル; staff
move a confirmed order on in the dashboard and may tell the buyer a delivery
date (納期), by email and in the order's inquiry thread. The moves allowed are
those of `status.PIPELINE`, less two kinds that are not a plain move:

- cancelling (O5) also gives the credit reservation back (P2) and tells the
  buyer why, so it is `shop.order.cancellation.cancel`, never `move`;
- leaving 承認待ち is the decision of the buyer company's own approvers (M7,
  no proxy approval, and sending back releases the credit):
  `shop.approvals.workflow` approves or sends back, staff do not.

`move` locks the order row (two staff members, or a double click, cannot both
move it), checks the move against the current status read under that lock,
records Oscar's `OrderStatusChange` through `Order.set_status`, keeps an
order note saying who did it, posts the delivery date and message into the
order's inquiry thread, and emails the orderer 「ご注文の状況が変わりました」
through the outbox, so the email leaves only once the move has committed (E1).

Never shipped unbilled (issue 10): 納品済/契約開始 is refused while the
deferred invoice is under the partner's review (or the payment is anything
but authorised/captured); inside the move the 売上確定 is only requested
(`settlement.request_fix`), and the partner is told after the commit, never
under the order's row lock.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from shop.inquiries import services as inquiries
from shop.notifications import mail
from shop.payments import settlement

from . import status

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")

# Moves that are someone else's transition, not a staff move (see the module docstring).
NOT_BY_MOVE = frozenset({status.CANCELLED})
DECIDED_BY_APPROVERS = frozenset({status.AWAITING_APPROVAL})


class MoveRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def staff_moves(current: str) -> tuple[str, ...]:
    """The statuses staff may move an order to from `current`, in pipeline order."""
    if current in DECIDED_BY_APPROVERS:
        return ()
    return tuple(target for target in status.PIPELINE.get(current, ()) if target not in NOT_BY_MOVE)


def format_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def notice_text(*, to: str, delivery_date: date | None, message: str) -> str:
    """What the buyer reads in the thread: the new status, the delivery date, the staff message."""
    parts = [f"ご注文の状況を「{status.label(to)}」に変更しました。"]
    if delivery_date is not None:
        parts.append(f"納期: {format_date(delivery_date)}")
    text = "\n".join(parts)
    if message.strip():
        text += "\n\n" + message.strip()
    return text


def move(*, order, to: str, by, delivery_date: date | None = None, message: str = ""):
    """Move `order` to status `to` as staff member `by`; raises MoveRefused for a move not allowed now."""
    message = message.strip()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        current = locked.status
        if to not in staff_moves(current):
            raise MoveRefused(
                f"注文 {locked.number} の状況は「{status.label(current)}」のため、"
                f"「{status.label(to)}」には変更できません。"
            )
        payment = None
        if to == status.DELIVERED:  # delivery / contract start: the deferred invoice becomes due (P2)
            try:  # never shipped unbilled: an invoice under the partner's review waits (issue 10)
                payment = settlement.request_fix(order=locked, shipped_on=timezone.localdate(), label=status.label(to))
            except settlement.NotBillable as refusal:
                raise MoveRefused(refusal.message) from refusal
        locked.set_status(to)  # Oscar: validates against the pipeline, saves, records OrderStatusChange
        note = f"状況を「{status.label(current)}」から「{status.label(to)}」に変更"
        if delivery_date is not None:
            note += f"（納期: {format_date(delivery_date)}）"
        OrderNote.objects.create(order=locked, user=by, note_type=OrderNote.SYSTEM, message=note)
        thread = None
        if (delivery_date is not None or message) and locked.company_id is not None:
            posted = inquiries.post_on_order(
                order=locked, by=by, body=notice_text(to=to, delivery_date=delivery_date, message=message)
            )
            thread = posted.inquiry
        _notify(locked, previous=current, delivery_date=delivery_date, message=message, thread=thread)
    settlement.run_action_after_commit(payment)  # 売上確定 at the partner, after the move committed
    order.status = locked.status
    return locked


def _notify(order, *, previous: str, delivery_date: date | None, message: str, thread) -> None:
    """「ご注文の状況が変わりました」 to the orderer (E1), queued in the outbox inside the move's transaction."""
    buyer = order.user
    if buyer is None or not buyer.email:
        return
    mail.queue(
        template="order_status_changed",
        to=buyer.email,
        context={
            "order": order,
            "buyer": buyer,
            "previous_label": status.label(previous),
            "status_label": status.label(order.status),
            "delivery_date": format_date(delivery_date) if delivery_date is not None else "",
            "message": message,
            "link": mail.site_url(reverse("orders:order-detail", kwargs={"number": order.number})),
            "thread_link": (
                mail.site_url(reverse("inquiries:inquiry-detail", kwargs={"number": thread.number}))
                if thread is not None
                else ""
            ),
        },
    )
