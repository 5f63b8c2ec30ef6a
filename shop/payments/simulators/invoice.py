"""Simulated deferred-invoice partner (請求書払い / 掛け払い, P2): its rules and its books.

Modelled on how Japanese B2B deferred-payment services work: the partner
screens the buyer company once (a buyer id and a credit line), checks every
order against its *own* bookkeeping of that line, takes over the receivable
when the goods ship, bills the buyer, and tells the merchant by signed webhooks.

Rules of this simulator (documented in the README too):

Screening (`screen`): one buyer per company (name normalised with NFKC and
without spaces, plus postcode); screening it again answers with the same buyer.
- a company name containing 「否決」 is rejected (limit 0);
- a name containing 「保留」 stays pending (limit 0) until decided in the console;
- anything else is approved with ``KOBAI_SIM_INVOICE_CREDIT_LIMIT`` (¥3,000,000).

Per-order check (`create_transaction`), in this order:
1. unknown buyer → 404; buyer not approved → rejected;
2. amount beyond the buyer's remaining line at the partner (limit minus the
   amounts of its pending_review, passed, fixed and billed transactions) → rejected;
3. amount above ``KOBAI_SIM_INVOICE_REVIEW_THRESHOLD`` (¥1,000,000), or a buyer
   whose name contains 「要審査」 → pending_review (reserved; decided by hand in
   the console, then a transaction.passed / transaction.rejected webhook);
4. otherwise passed (reserved).
The same Idempotency-Key answers with the transaction it created (in its
current state) and never reserves twice; the same key with a different
buyer, order number or amount is refused (409 idempotency_conflict).

States: pending_review → passed | rejected; passed → fixed (shipped / contract
start) → billed (console 「請求」 or `run_billing`, which bills everything
fixed in an earlier month) → paid (console 「入金」, frees the line);
pending_review | passed | fixed → cancelled; billed or paid cannot be cancelled
(409 already_billed). Webhooks: transaction.passed, transaction.rejected
(after review), transaction.billed, transaction.paid.
"""

from __future__ import annotations

import json
import logging
import time
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from .. import signing
from ..models import SimBuyer, SimInvoiceEvent, SimTransaction
from . import SimulatorError, new_id, request_fingerprint

logger = logging.getLogger(__name__)

PENDING_REVIEW = "pending_review"
PASSED = "passed"
REJECTED = "rejected"
FIXED = "fixed"
BILLED = "billed"
PAID = "paid"
CANCELLED = "cancelled"
EXPOSED = (PENDING_REVIEW, PASSED, FIXED, BILLED)  # what holds the buyer's line at the partner

MSG_REJECTED = "後払い決済会社の与信審査により、このご注文は請求書払いをご利用いただけません。"
MSG_OVER_LIMIT = "後払い決済会社のご利用可能枠（残り¥{remaining:,}）を超えるため、請求書払いをご利用いただけません。"
MSG_BUYER_NOT_APPROVED = "購入企業の審査が完了していないため、請求書払いをご利用いただけません。"
MSG_PENDING = "後払い決済会社で審査中です（通常1営業日以内に結果が出ます）。"


def _normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _amount(value) -> int:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise SimulatorError(400, "invalid_amount", "金額が正しくありません。", field="amount") from None
    if amount != amount.to_integral_value() or amount <= 0:
        raise SimulatorError(400, "invalid_amount", "金額は1円以上の整数で指定してください。", field="amount")
    return int(amount)


def _required(data: dict, *names: str) -> None:
    for name in names:
        if not str(data.get(name) or "").strip():
            raise SimulatorError(400, "missing_parameter", f"{name} を指定してください。", field=name)


def buyer_json(buyer: SimBuyer) -> dict:
    return {
        "object": "buyer",
        "buyer_id": buyer.buyer_id,
        "status": buyer.status,
        "credit_limit": int(buyer.credit_limit),
        "available": int(_available(buyer)),
    }


def transaction_json(tx: SimTransaction) -> dict:
    return {
        "object": "transaction",
        "reference": tx.reference,
        "buyer_id": tx.buyer.buyer_id,
        "order_number": tx.order_number,
        "amount": int(tx.amount),
        "status": tx.status,
        "message": tx.message,
        "shipped_on": tx.shipped_on.isoformat() if tx.shipped_on else None,
        "billed_at": tx.billed_at.isoformat() if tx.billed_at else None,
        "created_at": tx.created_at.isoformat(),
    }


def _available(buyer: SimBuyer) -> Decimal:
    held = SimTransaction.objects.filter(buyer=buyer, status__in=EXPOSED).aggregate(total=Sum("amount"))["total"]
    return max(Decimal(buyer.credit_limit) - (held or 0), Decimal(0))


def post_webhook(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST one signed event to the merchant's endpoint; the status code it answered (tests replace this)."""
    response = requests.post(url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=5)
    return response.status_code


@dataclass
class InvoicePartnerSimulator:
    secret: str
    credit_limit: Decimal
    review_threshold: Decimal
    webhook_url: str

    @classmethod
    def from_settings(cls) -> InvoicePartnerSimulator:
        return cls(
            secret=settings.KOBAI_INVOICE_PARTNER_SECRET,
            credit_limit=Decimal(settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT),
            review_threshold=Decimal(settings.KOBAI_SIM_INVOICE_REVIEW_THRESHOLD),
            webhook_url=settings.KOBAI_SIM_INVOICE_WEBHOOK_URL,
        )

    # --- the merchant API ---

    def screen(self, *, company_name: str, postcode: str, address: str, representative: str) -> dict:
        data = {"company_name": company_name, "postcode": postcode, "address": address}
        _required(data, "company_name", "postcode", "address")
        name = _normalise(company_name)
        fingerprint = f"{name}|{_normalise(postcode).replace('-', '')}"[:255]
        with transaction.atomic():
            buyer = SimBuyer.objects.filter(fingerprint=fingerprint).first()
            if buyer is None:
                if "否決" in name:
                    status, limit = "rejected", Decimal(0)
                elif "保留" in name:
                    status, limit = "pending", Decimal(0)
                else:
                    status, limit = "approved", self.credit_limit
                try:
                    with transaction.atomic():
                        buyer = SimBuyer.objects.create(
                            buyer_id=new_id("BY", 12),
                            fingerprint=fingerprint,
                            company_name=company_name,
                            postcode=postcode,
                            address=address,
                            representative=representative,
                            status=status,
                            credit_limit=limit,
                        )
                except IntegrityError:  # screened by a concurrent request
                    buyer = SimBuyer.objects.get(fingerprint=fingerprint)
            else:
                SimBuyer.objects.filter(pk=buyer.pk).update(address=address, representative=representative)
            return buyer_json(buyer)

    def create_transaction(self, *, buyer_id: str, order_number: str, amount, idempotency_key: str) -> dict:
        _required({"buyer_id": buyer_id, "order_number": order_number}, "buyer_id", "order_number")
        if not (idempotency_key or "").strip():
            raise SimulatorError(400, "missing_idempotency_key", "Idempotency-Key ヘッダーを指定してください。")
        yen = _amount(amount)
        fingerprint = request_fingerprint(buyer_id, order_number, yen)
        with transaction.atomic():
            buyer = SimBuyer.objects.select_for_update().filter(buyer_id=buyer_id).first()
            if buyer is None:
                raise SimulatorError(404, "buyer_not_found", "購入企業IDが見つかりません。", field="buyer_id")
            existing = SimTransaction.objects.filter(idempotency_key=idempotency_key).select_related("buyer").first()
            if existing is not None:
                return self._replay(existing, fingerprint)
            if buyer.status != "approved":
                status, message = REJECTED, MSG_BUYER_NOT_APPROVED
            elif yen > (available := _available(buyer)):
                status, message = REJECTED, MSG_OVER_LIMIT.format(remaining=int(available))
            elif yen > self.review_threshold or "要審査" in _normalise(buyer.company_name):
                status, message = PENDING_REVIEW, MSG_PENDING
            else:
                status, message = PASSED, ""
            try:
                with transaction.atomic():
                    tx = SimTransaction.objects.create(
                        reference=new_id("tr_"),
                        buyer=buyer,
                        order_number=order_number,
                        amount=yen,
                        status=status,
                        message=message,
                        idempotency_key=idempotency_key,
                        request_fingerprint=fingerprint,
                    )
            except IntegrityError:  # the same key won a race
                existing = SimTransaction.objects.select_related("buyer").get(idempotency_key=idempotency_key)
                return self._replay(existing, fingerprint)
            return transaction_json(tx)

    def _replay(self, tx: SimTransaction, fingerprint: str) -> dict:
        if tx.request_fingerprint != fingerprint:
            raise SimulatorError(
                409, "idempotency_conflict", "同じ Idempotency-Key で異なる内容の取引が登録されています。"
            )
        return transaction_json(tx)

    def get(self, *, reference: str) -> dict:
        return transaction_json(self._transaction(reference))

    def fix(self, *, reference: str, shipped_on) -> dict:
        try:
            shipped = shipped_on if isinstance(shipped_on, date) else date.fromisoformat(str(shipped_on))
        except ValueError:
            raise SimulatorError(400, "invalid_date", "出荷日が正しくありません。", field="shipped_on") from None
        with transaction.atomic():
            tx = self._transaction(reference, lock=True)
            if tx.status == FIXED and tx.shipped_on == shipped:
                return transaction_json(tx)  # the same request again
            if tx.status != PASSED:
                raise SimulatorError(409, "invalid_state", f"この取引は売上確定できません（状態: {tx.status}）。")
            tx.status, tx.shipped_on = FIXED, shipped
            tx.save(update_fields=["status", "shipped_on", "updated_at"])
            return transaction_json(tx)

    def cancel(self, *, reference: str) -> dict:
        with transaction.atomic():
            tx = self._transaction(reference, lock=True)
            if tx.status == CANCELLED:
                return transaction_json(tx)
            if tx.status in (BILLED, PAID):
                raise SimulatorError(
                    409, "already_billed", "請求済みの取引はキャンセルできません。後払い決済会社にご連絡ください。"
                )
            if tx.status == REJECTED:
                raise SimulatorError(409, "invalid_state", "与信が否決された取引はキャンセルできません。")
            tx.status = CANCELLED
            tx.save(update_fields=["status", "updated_at"])
            return transaction_json(tx)

    # --- the partner's own operators (the simulator console; not part of the merchant API) ---

    def review(self, *, reference: str, decision: str) -> dict:
        if decision not in (PASSED, REJECTED):
            raise SimulatorError(400, "invalid_decision", "decision は passed か rejected です。")
        with transaction.atomic():
            tx = self._transaction(reference, lock=True)
            if tx.status != PENDING_REVIEW:
                raise SimulatorError(409, "invalid_state", f"審査中の取引ではありません（状態: {tx.status}）。")
            tx.status, tx.message = decision, ("" if decision == PASSED else MSG_REJECTED)
            tx.save(update_fields=["status", "message", "updated_at"])
            self._emit(tx, f"transaction.{decision}")
            return transaction_json(tx)

    def bill(self, *, reference: str) -> dict:
        with transaction.atomic():
            tx = self._transaction(reference, lock=True)
            if tx.status != FIXED:
                raise SimulatorError(409, "invalid_state", f"売上確定前の取引は請求できません（状態: {tx.status}）。")
            tx.status, tx.billed_at = BILLED, timezone.now()
            tx.save(update_fields=["status", "billed_at", "updated_at"])
            self._emit(tx, "transaction.billed")
            return transaction_json(tx)

    def run_billing(self, *, today: date) -> list[dict]:
        """Bill everything fixed (shipped) in a month before `today`'s: the partner invoices monthly."""
        first_of_month = today.replace(day=1)
        due = SimTransaction.objects.filter(status=FIXED, shipped_on__lt=first_of_month).values_list(
            "reference", flat=True
        )
        return [self.bill(reference=reference) for reference in list(due)]

    def settle(self, *, reference: str) -> dict:
        with transaction.atomic():
            tx = self._transaction(reference, lock=True)
            if tx.status != BILLED:
                raise SimulatorError(409, "invalid_state", f"請求済みの取引ではありません（状態: {tx.status}）。")
            tx.status = PAID
            tx.save(update_fields=["status", "updated_at"])
            self._emit(tx, "transaction.paid")
            return transaction_json(tx)

    def decide_screening(self, *, buyer_id: str, status: str, credit_limit) -> dict:
        if status not in ("approved", "rejected"):
            raise SimulatorError(400, "invalid_decision", "status は approved か rejected です。")
        limit = _amount(credit_limit) if status == "approved" else 0
        buyer = SimBuyer.objects.filter(buyer_id=buyer_id).first()
        if buyer is None:
            raise SimulatorError(404, "buyer_not_found", "購入企業IDが見つかりません。")
        buyer.status, buyer.credit_limit = status, limit
        buyer.save(update_fields=["status", "credit_limit"])
        return buyer_json(buyer)

    # --- webhooks ---

    def event_request(self, event: SimInvoiceEvent) -> tuple[bytes, dict[str, str]]:
        """The body and signed headers of one event, as they are posted."""
        body = event.body.encode()
        return body, signing.webhook_headers(secret=self.secret, body=body)

    def deliver(self, event_id: str) -> bool:
        event = SimInvoiceEvent.objects.filter(event_id=event_id, delivered_at__isnull=True).first()
        if event is None:
            return True
        if not self.webhook_url:
            return False
        body, headers = self.event_request(event)
        event.attempts += 1
        try:
            status = post_webhook(self.webhook_url, body, headers)
        except Exception as exc:  # the merchant is down: the event stays in the outbox for the next run
            status, event.last_error = 0, f"{type(exc).__name__}"[:255]
        else:
            event.last_error = "" if 200 <= status < 300 else f"HTTP {status}"
        if 200 <= status < 300:
            event.delivered_at = timezone.now()
        event.save(update_fields=["attempts", "last_error", "delivered_at"])
        if event.delivered_at is None:
            logger.warning("invoice simulator: webhook %s not delivered (%s)", event.event_id, event.last_error)
        return event.delivered_at is not None

    def deliver_pending(self) -> int:
        pending = SimInvoiceEvent.objects.filter(delivered_at__isnull=True).values_list("event_id", flat=True)
        return sum(self.deliver(event_id) for event_id in list(pending))

    def _emit(self, tx: SimTransaction, event_type: str) -> SimInvoiceEvent:
        event_id = new_id("evt_")
        body = json.dumps(
            {
                "id": event_id,
                "type": event_type,
                "created": int(time.time()),
                "data": {
                    "reference": tx.reference,
                    "status": tx.status,
                    "order_number": tx.order_number,
                    "amount": int(tx.amount),
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        event = SimInvoiceEvent.objects.create(event_id=event_id, type=event_type, reference=tx.reference, body=body)
        transaction.on_commit(partial(self.deliver, event_id), robust=True)
        return event

    def _transaction(self, reference: str, *, lock: bool = False) -> SimTransaction:
        queryset = SimTransaction.objects.select_related("buyer")
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        tx = queryset.filter(reference=reference).first()
        if tx is None:
            raise SimulatorError(404, "transaction_not_found", "取引が見つかりません。", field="reference")
        return tx
