"""Taking, fixing and cancelling an order's payment (P1, P2, O5): the order side of the adapters.

- At order placement (inside the order's transaction): a deferred-invoice
  order is checked by the payment partner (`authorize`, idempotent by order
  number); a card order is charged with the browser's one-time token. A
  rejection or decline refuses the order with the partner's message.
- At delivery or contract start: the invoice transaction is fixed (billing due).
- At cancel or send-back: the invoice transaction is cancelled, the card
  charge voided.
Our `Payment` row records each answer; card numbers never reach us.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import card, invoice, records
from .models import Payment


class PaymentRefused(Exception):
    pass


def take(*, order, company, method: str, amount: Decimal, card_token: str = "") -> Payment:
    key = f"order-{order.number}"
    if method == Payment.Method.CARD:
        try:
            charge = card.get_gateway().charge(
                token=card_token, amount=amount, order_number=order.number, idempotency_key=key
            )
        except card.CardGatewayError as error:
            raise PaymentRefused(str(error)) from error
        if charge.status != "captured":
            raise PaymentRefused(charge.decline_message or "カード決済ができませんでした。別のカードをお試しください。")
        return records.record_card(
            order_number=order.number, amount=amount, charge=charge, idempotency_key=key, order=order
        )
    if not company.invoice_buyer_id:
        raise PaymentRefused("請求書払いの審査が済んでいません。当店までお問い合わせください。")
    try:
        authorization = invoice.get_partner().authorize(
            buyer_id=company.invoice_buyer_id, order_number=order.number, amount=amount, idempotency_key=key
        )
    except invoice.InvoicePartnerError as error:
        raise PaymentRefused(str(error)) from error
    if authorization.result == "rejected":
        raise PaymentRefused(
            authorization.message or "決済会社の審査により、請求書払いではご注文いただけませんでした。"
        )
    return records.record_invoice(
        order_number=order.number, amount=amount, authorization=authorization, idempotency_key=key, order=order
    )


def fix(*, order, shipped_on: date) -> None:
    payment = Payment.objects.filter(order=order, method=Payment.Method.INVOICE).first()
    if payment is not None and payment.status == Payment.Status.AUTHORIZED:
        invoice.get_partner().fix(reference=payment.reference, shipped_on=shipped_on)
        records.mark(payment=payment, status=Payment.Status.FIXED)


def cancel(*, order) -> None:
    payment = Payment.objects.filter(order=order).first()
    if payment is None or payment.status in (Payment.Status.CANCELLED, Payment.Status.REJECTED):
        return
    if payment.method == Payment.Method.CARD:
        card.get_gateway().void(reference=payment.reference)
    else:
        invoice.get_partner().cancel(reference=payment.reference)
    records.mark(payment=payment, status=Payment.Status.CANCELLED)
