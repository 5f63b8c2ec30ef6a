"""Our record of an order's payment (P1, P2): written from what the partner or gateway answered.

Checkout calls these right after `invoice.get_partner().authorize(...)` or
`card.get_gateway().charge(...)`, inside the order's transaction, so the
record and the order are committed together. The order may not exist yet
(the order number is known first): pass it later with `attach`.
Only the brand and last four digits of a card are kept.
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
