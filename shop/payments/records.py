"""Our record of a payment written from what the partner or gateway answered (P1, P2).

Placement no longer records through these: `shop.payments.settlement` writes
the attempt before the call and its answer after it (issue 10). What is left
here maps the gateway's states onto ours (`CARD_STATUS`, used by settlement)
and writes a `Payment` straight from an answer, for the webhook and card-data
tests that need one without placing an order. Only the brand and last four
digits of a card are kept.
"""

from __future__ import annotations

from decimal import Decimal

from .card import Charge
from .events import STATUS_FOR_STATE
from .invoice import Authorization
from .models import Payment

CARD_STATUS = {
    "captured": Payment.Status.CAPTURED,
    "declined": Payment.Status.DECLINED,
    "voided": Payment.Status.CANCELLED,
}


def record_invoice(
    *, order_number: str, amount: Decimal, authorization: Authorization, idempotency_key: str = "", order=None
) -> Payment:
    payment, _ = Payment.objects.update_or_create(
        method=Payment.Method.INVOICE,
        reference=authorization.reference,
        defaults={
            "order": order,
            "order_number": order_number,
            "amount": amount,
            "status": STATUS_FOR_STATE[authorization.result],
            "idempotency_key": idempotency_key,
            "message": authorization.message[:255],
        },
    )
    return payment


def record_card(
    *, order_number: str, amount: Decimal, charge: Charge, idempotency_key: str = "", order=None
) -> Payment:
    payment, _ = Payment.objects.update_or_create(
        method=Payment.Method.CARD,
        reference=charge.reference,
        defaults={
            "order": order,
            "order_number": order_number,
            "amount": amount,
            "status": CARD_STATUS[charge.status],
            "idempotency_key": idempotency_key,
            "card_brand": charge.brand,
            "card_last4": charge.last4[-4:],
            "message": charge.decline_message[:255],
        },
    )
    return payment


def attach(*, order) -> int:
    """Link the payment records made under this order's number to the order, once it is saved."""
    return Payment.objects.filter(order_number=order.number, order__isnull=True).update(order=order)


def mark(*, payment: Payment, status: str) -> Payment:
    """Record a transition we made ourselves (fix, cancel, void)."""
    payment.status = status
    payment.save(update_fields=["status", "updated_at"])
    return payment
