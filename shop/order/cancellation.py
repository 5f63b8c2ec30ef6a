"""Cancelling an order (O5): 受注管理 staff only, with a reason; the buyer is told.

Buyers cannot cancel a confirmed order. Staff holding the order permission
(`order.manage_orders`, role 受注管理: a cancel voids a card charge) cancel
with a reason (and an
order whose deferred invoice the partner rejects after review is cancelled
the same way, with that reason): the
order becomes キャンセル, its credit reservation goes back to the company's
credit line (P2), the payment partner's authorisation or the card charge is
cancelled (after the cancel commits, never under the order's row lock:
`settlement.request_cancel` + `run_action_after_commit`), and the orderer gets an
email with the reason, after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from shop.accounts.roles import MANAGE_ORDERS
from shop.companies import credit
from shop.notifications import mail
from shop.payments import settlement

from . import status
from .placement import Order


class CancelRefused(Exception):
    pass


PARTNER_REJECTED = "決済会社（請求書払い）の審査の結果、このご注文はお受けできませんでした。"


def cancel(*, order, by, reason: str):
    if not (getattr(by, "is_active", False) and by.has_perm(MANAGE_ORDERS)):
        raise CancelRefused(gettext("Only staff who handle orders can cancel an order."))
    if not reason.strip():
        raise CancelRefused("キャンセルの理由を入力してください。")
    return _cancel(order=order, reason=reason)


def cancel_rejected_by_partner(*, order):
    """The partner's manual review rejected the deferred invoice (a webhook, P2): the order cannot stand."""
    return _cancel(order=order, reason=PARTNER_REJECTED, released_because=credit.REJECTED)


def _cancel(*, order, reason: str, released_because: str = credit.CANCELLED):
    """Cancel in one transaction; the partner is told after it commits (never under the order's row lock)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if status.CANCELLED not in status.PIPELINE.get(order.status, ()):
            raise CancelRefused(f"「{status.label(order.status)}」の注文はキャンセルできません。")
        order.cancel_reason = reason.strip()
        order.save(update_fields=["cancel_reason"])
        order.set_status(status.CANCELLED)
        credit.release(order=order, reason=released_because)
        payment = settlement.request_cancel(order=order)
        if order.user and order.user.email:
            mail.queue(
                template="order_cancelled",
                to=order.user.email,
                context={
                    "order": order,
                    "reason": order.cancel_reason,
                    "link": mail.site_url(reverse("orders:order-detail", kwargs={"number": order.number})),
                },
            )
    settlement.run_action_after_commit(payment)
    return order
