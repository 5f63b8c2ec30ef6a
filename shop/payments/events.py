"""What happens on our side when the deferred-invoice partner reports a transaction's new state (P2).

`on_invoice_event(reference, state)` is called by the webhook endpoint once per
event (`shop.payments.webhooks`). It dispatches on the partner's state; every
handler moves our `Payment` record on, and:

- a rejection after review cancels the order (credit released, buyer told);
  if the order was already delivered (it cannot be any more: delivery waits
  for the review, `settlement.request_fix`), staff get an alert in the
  dashboard and by email, and an ERROR is logged;
- the partner's `paid` gives the order's credit reservation back to the
  company's line (`shop.companies.credit.release`), so a company that pays
  its invoices can go on ordering.

A state only ever moves forward: events can arrive late or out of order (a
delayed transaction.passed after we cancelled), and an older state never
overwrites a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext

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
    from shop.order import cancellation, status

    payment = update_payment(reference, state)
    if payment is not None and payment.status == Payment.Status.REJECTED and payment.order_id is not None:
        order = payment.order
        if order.status == status.CANCELLED:
            return payment  # cancelled already: nothing more to undo
        try:
            cancellation.cancel_rejected_by_partner(order=order)
        except cancellation.CancelRefused:
            _alert_rejected_after_delivery(payment, order)
    return payment


def _alert_rejected_after_delivery(payment: Payment, order) -> None:
    from django.urls import reverse

    from shop.alerts import services as alerts
    from shop.order import status

    logger.error(
        "invoice for order %s rejected by the partner while the order is %s: staff must act",
        order.number,
        order.status,
    )
    alerts.raise_alert(
        kind="invoice_rejected_after_delivery",
        title=gettext("Order %(number)s: the deferred invoice was rejected after delivery") % {"number": order.number},
        body=gettext(
            "The payment partner rejected the deferred invoice of order %(number)s (%(company)s, %(amount)s)."
            " The order is “%(status)s”. Agree with the customer how it will be paid."
        )
        % {
            "number": order.number,
            "company": order.company,
            "amount": f"¥{payment.amount:,.0f}",
            "status": status.label(order.status),
        },
        link=reverse("order-dashboard:order-detail", kwargs={"number": order.number}),
        dedupe_key=f"invoice-rejected-{payment.pk}",
    )


def mark_paid(reference: str, state: str) -> Payment | None:
    """The buyer paid the partner's invoice: the order's credit goes back to the company's line (P2)."""
    from shop.companies import credit

    payment = update_payment(reference, state)
    if payment is not None and payment.status == Payment.Status.PAID and payment.order_id is not None:
        credit.release(order=payment.order, reason=credit.PAID)
    return payment


Handler = Callable[[str, str], object]
HANDLERS: dict[str, Handler] = {
    "passed": update_payment,
    "rejected": reject_order,
    "fixed": update_payment,
    "billed": update_payment,
    "paid": mark_paid,
    "cancelled": update_payment,
}


def on_invoice_event(reference: str, state: str) -> None:
    handler = HANDLERS.get(state)
    if handler is None:
        logger.info("invoice event with state %s ignored (%s)", state, reference)
        return
    handler(reference, state)
