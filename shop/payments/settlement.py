"""Taking, fixing, cancelling and compensating an order's payment (P1, P2, O5, issue 10).

No partner is ever called while one of our transactions (and its row locks)
is open: the adapters refuse it (`shop.transactions`). So every payment is a
small state machine whose steps commit on their own:

At placement (`shop.order.placement`):
1. `begin`: our `Payment` row is written first, in state 決済処理中
   (requested), with an idempotency key unique to this attempt and what a
   repeated call needs (the one-time card token, or the partner's buyer id);
2. `call`: the partner is asked (charge the token / check the invoice) and
   its answer is recorded. A decline or rejection refuses the order;
3. the order is written in one transaction that `attach`es the payment;
4. if that transaction does not commit, `compensate` voids the charge or
   cancels the partner's transaction (state 取消処理中 → 取消).

After a staff move or a cancel commits, the partner is told (`run_action`:
売上確定 at delivery, 取消 at cancel or send-back); the move itself only
records the request (`request_fix`, `request_cancel`) inside its transaction.

Anything a crash or an unreachable partner leaves half-done is finished by
`sweep` (the worker runs it every few seconds, see `run_worker`): an attempt
whose answer was lost is asked again under the same key, a charge or check
whose order never committed is voided, a compensation or a requested
fix/cancel that failed is retried, and numbers left merely taken are voided
with their reason. Every state a payment reaches therefore has a way out.

Card numbers never reach us: only the token, the brand and the last four digits.
"""

from __future__ import annotations

import logging
import secrets
import string
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from shop.transactions import outside_transaction, require_outside_transaction

from . import card, invoice
from .events import STATUS_FOR_STATE
from .models import Payment
from .records import CARD_STATUS

logger = logging.getLogger("kobai.payments")

ABANDONED_AFTER = timedelta(minutes=10)  # an attempt older than this without its order is not in flight any more
ACTION_ALERT_AFTER = 5  # failed fix/cancel calls before staff are alerted
HOLDS_MONEY = (Payment.Status.CAPTURED, Payment.Status.AUTHORIZED, Payment.Status.PENDING)
NOT_BILLABLE_UNDER_REVIEW = gettext_lazy(
    "Order %(number)s is under the payment partner's review (deferred invoice), so it cannot be moved to"
    " “%(label)s”. Move it once the review has passed."
)
NOT_BILLABLE = gettext_lazy(
    "The payment of order %(number)s (%(payment)s) is not settled, so it cannot be moved to “%(label)s”."
)


class PaymentRefused(Exception):
    """The partner declined or rejected the payment, or could not be reached (message in Japanese)."""

    def __init__(self, message: str, *, payment: Payment | None = None):
        super().__init__(message)
        self.message = message
        self.payment = payment


class NotBillable(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _save(payment: Payment, **fields) -> Payment:
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*fields, "updated_at"])
    return payment


# --- placement ---


def _attempt_suffix() -> str:
    """20 random letters: unique per attempt, and no run of digits a log filter could take for a card number."""
    return "".join(secrets.choice(string.ascii_letters) for _ in range(20))


def begin(
    *, order_number: str, company, method: str, amount: Decimal, card_token: str = "", submission_key=None
) -> Payment:
    """Record the attempt before the partner is called (its own committed row)."""
    require_outside_transaction("starting a payment attempt")
    return Payment.objects.create(
        submission_key=submission_key,
        order_number=order_number,
        method=method,
        status=Payment.Status.REQUESTED,
        amount=amount,
        idempotency_key=f"{order_number}-{_attempt_suffix()}",
        card_token=card_token if method == Payment.Method.CARD else "",
        buyer_id=company.invoice_buyer_id if method == Payment.Method.INVOICE else "",
    )


def call(payment: Payment) -> Payment:
    """Ask the partner for the attempt `payment` (no transaction open) and record its answer.

    Raises PaymentRefused for a decline, a rejection or an unreachable partner;
    after an unreachable partner the attempt stays 決済処理中 and the sweep
    asks again under the same key.
    """
    if payment.method == Payment.Method.CARD:
        try:
            charge = card.get_gateway().charge(
                token=payment.card_token,
                amount=payment.amount,
                order_number=payment.order_number,
                idempotency_key=payment.idempotency_key,
            )
        except card.CardGatewayError as error:
            raise _refused(payment, error, status=Payment.Status.DECLINED, card_token="") from error
        _save(
            payment,
            status=CARD_STATUS[charge.status],
            reference=charge.reference,
            card_brand=charge.brand,
            card_last4=charge.last4[-4:],
            message=charge.decline_message[:255],
            card_token="",
        )
        if charge.status != "captured":
            raise PaymentRefused(
                charge.decline_message or "カード決済ができませんでした。別のカードをお試しください。", payment=payment
            )
        return payment
    if not payment.buyer_id:
        _save(payment, status=Payment.Status.REJECTED, message="no buyer id")
        raise PaymentRefused("請求書払いの審査が済んでいません。当店までお問い合わせください。", payment=payment)
    try:
        authorization = invoice.get_partner().authorize(
            buyer_id=payment.buyer_id,
            order_number=payment.order_number,
            amount=payment.amount,
            idempotency_key=payment.idempotency_key,
        )
    except invoice.InvoicePartnerError as error:
        raise _refused(payment, error, status=Payment.Status.REJECTED) from error
    _save(
        payment,
        status=STATUS_FOR_STATE[authorization.result],
        reference=authorization.reference,
        message=authorization.message[:255],
    )
    if authorization.result == "rejected":
        raise PaymentRefused(
            authorization.message or "決済会社の審査により、請求書払いではご注文いただけませんでした。",
            payment=payment,
        )
    return payment


def _refused(payment: Payment, error, *, status: str, **fields) -> PaymentRefused:
    """Record a partner's error answer. A refusal (4xx) ends the attempt; an unreachable partner or a broken
    answer leaves it 決済処理中, since the partner may have acted: the sweep asks again under the same key."""
    if error.code not in ("unreachable", "protocol") and (error.status or 500) < 500:
        _save(payment, status=status, message=error.message[:255], **fields)
    else:
        _save(payment, message=error.message[:255])
    return PaymentRefused(error.message, payment=payment)


class AttemptLost(Exception):
    pass


def in_flight(submission_key) -> bool:
    """Is another attempt of this order form still between `begin` and its order (a double click's twin)?"""
    if submission_key is None:
        return False
    return Payment.objects.filter(
        submission_key=submission_key,
        order__isnull=True,
        status__in=(Payment.Status.REQUESTED, *HOLDS_MONEY),
        created_at__gte=timezone.now() - ABANDONED_AFTER,
    ).exists()


def attach(*, payment: Payment, order) -> Payment:
    """Inside the order's transaction: the attempt becomes the order's payment (refused if the sweep voided it)."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.order_id is not None or locked.status not in HOLDS_MONEY:
        raise AttemptLost(f"payment attempt {locked.idempotency_key} is {locked.status}")
    _save(locked, order=order)
    payment.order = order
    return locked


def compensate(payment: Payment, *, reason: str) -> bool:
    """The order did not commit: void the charge or cancel the partner's check. True once the partner has it.

    Recorded first (取消処理中), so a failure here or a crash leaves a row the sweep retries.
    """
    require_outside_transaction("voiding a payment")
    payment.refresh_from_db()
    if payment.order_id is not None or payment.status not in (*HOLDS_MONEY, Payment.Status.COMPENSATING):
        return payment.status != Payment.Status.COMPENSATING
    _save(payment, status=Payment.Status.COMPENSATING, action_error=reason[:255])
    try:
        _void_at_partner(payment)
    except (card.CardGatewayError, invoice.InvoicePartnerError) as error:
        _save(payment, action_attempts=payment.action_attempts + 1, action_error=f"{reason} / {error.message}"[:255])
        logger.error("payment %s could not be voided yet (%s): the sweep retries", payment.idempotency_key, error)
        return False
    _save(payment, status=Payment.Status.CANCELLED, message=f"voided: {reason}"[:255])
    logger.warning("payment %s voided: %s", payment.idempotency_key, reason)
    return True


def _void_at_partner(payment: Payment) -> None:
    if payment.method == Payment.Method.CARD:
        card.get_gateway().void(reference=payment.reference)
    else:
        invoice.get_partner().cancel(reference=payment.reference)


# --- after placement: delivery and cancel ---


def payment_of(order) -> Payment | None:
    return Payment.objects.filter(order=order).first()


def request_fix(*, order, shipped_on: date, label: str) -> Payment | None:
    """Inside the delivery's transaction: refuse an unbillable order, else ask for 売上確定 after commit."""
    payment = Payment.objects.select_for_update().filter(order=order).first()
    if payment is None:
        raise NotBillable(NOT_BILLABLE % {"number": order.number, "payment": gettext("no record"), "label": label})
    if payment.method == Payment.Method.CARD:
        if payment.status != Payment.Status.CAPTURED:
            raise NotBillable(
                NOT_BILLABLE % {"number": order.number, "payment": payment.get_status_display(), "label": label}
            )
        return None
    if payment.status == Payment.Status.PENDING:
        raise NotBillable(NOT_BILLABLE_UNDER_REVIEW % {"number": order.number, "label": label})
    if payment.status in (Payment.Status.FIXED, Payment.Status.BILLED, Payment.Status.PAID):
        return None  # fixed already (the same delivery again)
    if payment.status != Payment.Status.AUTHORIZED:
        raise NotBillable(
            NOT_BILLABLE % {"number": order.number, "payment": payment.get_status_display(), "label": label}
        )
    return _save(payment, action=Payment.Action.FIX, action_on=shipped_on, action_attempts=0, action_error="")


def request_cancel(*, order) -> Payment | None:
    """Inside the cancel's transaction: ask for the void / cancel at the partner after commit."""
    payment = Payment.objects.select_for_update().filter(order=order).first()
    if payment is None or payment.status not in (*HOLDS_MONEY, Payment.Status.FIXED):
        return None
    return _save(payment, action=Payment.Action.CANCEL, action_attempts=0, action_error="")


def run_action_after_commit(payment: Payment | None) -> None:
    """Tell the partner now if no transaction is open, else once the current one commits."""
    if payment is None or not payment.action:
        return
    if outside_transaction():
        run_action(payment.pk)
    else:
        transaction.on_commit(lambda: run_action(payment.pk), robust=True)


def run_action(pk: int) -> bool:
    """Make the partner call a committed fix/cancel asked for; True once done. Failures stay for the sweep."""
    require_outside_transaction("calling the payment partner")
    payment = Payment.objects.filter(pk=pk).exclude(action="").first()
    if payment is None:
        return True
    try:
        if payment.action == Payment.Action.FIX:
            invoice.get_partner().fix(reference=payment.reference, shipped_on=payment.action_on)
            done = {"status": Payment.Status.FIXED}
        else:
            _void_at_partner(payment)
            done = {"status": Payment.Status.CANCELLED}
    except (card.CardGatewayError, invoice.InvoicePartnerError) as error:
        attempts = payment.action_attempts + 1
        _save(payment, action_attempts=attempts, action_error=error.message[:255])
        logger.error("payment %s: %s at the partner failed (%s)", payment.order_number, payment.action, error)
        if attempts == ACTION_ALERT_AFTER:
            _alert_action_failing(payment)
        return False
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=pk)
        if locked.action == payment.action:  # not replaced by a newer request meanwhile
            _save(locked, action="", action_error="", **done)
    return True


def _alert_action_failing(payment: Payment) -> None:
    from shop.alerts import services as alerts

    alerts.raise_alert(
        kind="payment_action_failing",
        title=gettext("Order %(number)s: the %(action)s at the payment partner failed %(count)s times")
        % {"number": payment.order_number, "action": payment.get_action_display(), "count": payment.action_attempts},
        body=gettext("Last error: %(error)s\nIt is retried automatically. Please check the payment partner.")
        % {"error": payment.action_error},
        link=reverse("order-dashboard:order-detail", kwargs={"number": payment.order_number}),
        dedupe_key=f"payment-action-{payment.pk}-{payment.action}",
    )


# --- the sweep ---


def sweep(*, now=None) -> dict[str, int]:
    """Finish what crashes and outages left half-done (see the module docstring); returns what it did."""
    from shop.billing import numbering

    require_outside_transaction("the payment sweep")
    now = now or timezone.now()
    cutoff = now - ABANDONED_AFTER
    done = {"replayed": 0, "voided": 0, "actions": 0, "numbers": 0}
    for payment in Payment.objects.filter(status=Payment.Status.REQUESTED, order__isnull=True, created_at__lt=cutoff):
        try:
            call(payment)
        except PaymentRefused:
            if payment.status == Payment.Status.REQUESTED:
                continue  # still unreachable: next time
        done["replayed"] += 1
    # by when the attempt began: a replay just above has only now learnt what an old attempt made
    stranded = Payment.objects.filter(
        order__isnull=True, status__in=(*HOLDS_MONEY, Payment.Status.COMPENSATING), created_at__lt=cutoff
    )
    for payment in stranded:
        done["voided"] += compensate(payment, reason=payment.action_error or "the order was never committed")
    for payment in Payment.objects.exclude(action="").filter(updated_at__lt=now - timedelta(minutes=1)):
        done["actions"] += run_action(payment.pk)
    done["numbers"] = numbering.sweep_abandoned()
    return done
