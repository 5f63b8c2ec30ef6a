"""What happens on our side when the deferred-invoice partner reports a transaction's new state (P2).

`on_invoice_event(reference, state)` is called by the webhook endpoint once per
event (`shop.payments.webhooks`). It dispatches on the partner's state; for now
every handler moves our `Payment` record on, and a rejection after review
also cancels the order (credit released, buyer told). Other order reactions
hook in here, in `HANDLERS`.

A state only ever moves forward: events can arrive late or out of order (a
delayed transaction.passed after we cancelled), and an older state never
overwrites a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from .models import Payment

logger = logging.getLogger(__name__)

# the partner's transaction states → our Payment.status
STATUS_FOR_STATE = {
    "pending": Payment.Status.PENDING,
    "pending_review": Payment.Status.PENDING,
    "passed": Payment.Status.AUTHORIZED,
    "rejected": Payment.Status.REJECTED,
    "fixed": Payment.Status.FIXED,
    "billed": Payment.Status.BILLED,
    "paid": Payment.Status.PAID,
    "cancelled": Payment.Status.CANCELLED,
}
_RANK = {
    Payment.Status.PENDING: 0,
    Payment.Status.AUTHORIZED: 1,
    Payment.Status.FIXED: 2,
    Payment.Status.BILLED: 3,
    Payment.Status.PAID: 4,
}
_FINAL = {Payment.Status.REJECTED, Payment.Status.CANCELLED, Payment.Status.PAID}


def moves_forward(current: str, new: str) -> bool:
    if current == new or current in _FINAL:
        return False
    if new == Payment.Status.REJECTED:
        return current == Payment.Status.PENDING
    if new == Payment.Status.CANCELLED:
        return current in (Payment.Status.PENDING, Payment.Status.AUTHORIZED, Payment.Status.FIXED)
    return _RANK.get(new, -1) > _RANK.get(current, -1)


def update_payment(reference: str, state: str) -> Payment | None:
    """Move the invoice payment with this partner reference to the state's status; None if we have no such payment."""
    status = STATUS_FOR_STATE.get(state)
    if status is None or not reference:
        return None
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(method=Payment.Method.INVOICE, reference=reference).first()
        if payment is None:
            logger.warning("invoice event for unknown reference %s (%s)", reference, state)
            return None
        if moves_forward(payment.status, status):
            payment.status = status
            payment.save(update_fields=["status", "updated_at"])
        return payment


def reject_order(reference: str, state: str) -> Payment | None:
    """A rejection after manual review: the payment is recorded as rejected and its order cancelled (O5, P2)."""
    from shop.order import cancellation

    payment = update_payment(reference, state)
    if payment is not None and payment.status == Payment.Status.REJECTED and payment.order_id is not None:
        try:
            cancellation.cancel_rejected_by_partner(order=payment.order)
        except cancellation.CancelRefused:  # already cancelled or delivered: nothing more to undo
            logger.info("rejected invoice for order %s left as it is", payment.order_number)
    return payment


Handler = Callable[[str, str], object]
HANDLERS: dict[str, Handler] = {
    "passed": update_payment,
    "rejected": reject_order,
    "fixed": update_payment,
    "billed": update_payment,
    "paid": update_payment,
    "cancelled": update_payment,
}


def on_invoice_event(reference: str, state: str) -> None:
    handler = HANDLERS.get(state)
    if handler is None:
        logger.info("invoice event with state %s ignored (%s)", state, reference)
        return
    handler(reference, state)
