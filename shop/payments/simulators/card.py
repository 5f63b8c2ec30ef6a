"""Simulated tokenising card gateway (P1, P2): its rules and its books.

Like the real gateways used in Japan, the browser posts the card number,
expiry and security code straight to the gateway's token endpoint with the
shop's *public* key and gets a one-time token (``tok_…``); the shop's server
charges the token with its *secret* key and never sees a card number.

Rules of this simulator:
- tokenising checks the number (digits, 13–19 long, Luhn), the brand (Visa,
  Mastercard, JCB, American Express, Diners Club; others are refused), the
  expiry (a real month, not past, at most 20 years ahead) and the security
  code (3 digits; 4 for American Express), each with a Japanese message;
- a token is good for one charge within `TOKEN_TTL` (15 minutes), then refused
  (token_used / token_expired);
- test numbers: any valid number of a supported brand is approved, e.g.
  Visa 4111111111111111, Mastercard 5555555555554444, JCB 3530111333300000,
  American Express 378282246310005, Diners Club 36227206271667; these are
  declined at charge time: 4000000000000002 (generic decline),
  4000000000009995 (insufficient funds), 4000000000000127 (security code
  mismatch), 4000000000000069 (expired card);
- a charge of ¥50 to ¥9,999,999 is captured at once; the same Idempotency-Key
  answers with the same charge (and consumes nothing more), the same key with
  another token or amount is refused (409 idempotency_conflict);
- a captured charge can be voided (cancel / refund); voiding twice is harmless.

The simulator keeps no card number: a token holds brand, last four digits,
expiry and the outcome its number stands for, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..models import SimCardToken, SimCharge
from . import SimulatorError, new_id, request_fingerprint

TOKEN_TTL = timedelta(minutes=15)
MIN_AMOUNT, MAX_AMOUNT = 50, 9_999_999

DECLINING_NUMBERS = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000000127": "incorrect_cvc",
    "4000000000000069": "expired_card",
}
DECLINE_MESSAGES = {
    "generic_decline": "カード会社によりお取引が承認されませんでした。別のカードをご利用いただくか、カード会社にお問い合わせください。",
    "insufficient_funds": "ご利用可能額が不足しているため、お取引が承認されませんでした。別のカードをご利用ください。",
    "incorrect_cvc": "セキュリティコードが一致しないため、お取引が承認されませんでした。",
    "expired_card": "カードの有効期限が切れているため、お取引が承認されませんでした。",
}


def luhn_valid(number: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(number)):
        value = int(digit)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand_of(number: str) -> str | None:
    """The brand by issuer prefix and length, or None for a brand the shop does not take."""
    length = len(number)
    two, four = int(number[:2]), int(number[:4])
    if two in (34, 37):
        return "amex" if length == 15 else None
    if 3528 <= four <= 3589:
        return "jcb" if 16 <= length <= 19 else None
    if two in (36, 38, 39) or 300 <= int(number[:3]) <= 305 or four == 3095:
        return "diners" if 14 <= length <= 19 else None
    if number[0] == "4":
        return "visa" if length in (13, 16, 19) else None
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard" if length == 16 else None
    return None


def _error(code: str, message: str, field: str) -> SimulatorError:
    return SimulatorError(400, code, message, field=field)


def _yen(value) -> int:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise _error("invalid_amount", "金額が正しくありません。", "amount") from None
    if amount != amount.to_integral_value() or not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise _error("invalid_amount", f"カード決済の金額は¥{MIN_AMOUNT}〜¥{MAX_AMOUNT:,}です。", "amount")
    return int(amount)


def token_json(token: SimCardToken) -> dict:
    return {
        "object": "token",
        "token": token.token,
        "brand": token.brand,
        "last4": token.last4,
        "exp_month": token.exp_month,
        "exp_year": token.exp_year,
        "expires_at": token.expires_at.isoformat(),
    }


def charge_json(charge: SimCharge) -> dict:
    return {
        "object": "charge",
        "reference": charge.reference,
        "status": charge.status,
        "amount": int(charge.amount),
        "currency": "jpy",
        "order_number": charge.order_number,
        "brand": charge.brand,
        "last4": charge.last4,
        "decline_code": charge.decline_code,
        "decline_message": charge.decline_message,
    }


@dataclass
class CardGatewaySimulator:
    public_key: str
    secret_key: str

    @classmethod
    def from_settings(cls) -> CardGatewaySimulator:
        return cls(public_key=settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY, secret_key=settings.KOBAI_CARD_GATEWAY_SECRET)

    @sensitive_variables("number", "cvc", "digits")
    def create_token(self, *, public_key: str, number: str, exp_month, exp_year, cvc: str) -> dict:
        """What the browser's POST to the token endpoint does. Raises SimulatorError with a Japanese message."""
        if public_key != self.public_key:
            raise SimulatorError(401, "invalid_public_key", "カード決済の設定に誤りがあります（公開鍵）。")
        digits = "".join(str(number or "").replace("-", "").split())
        if not digits.isdigit() or not 13 <= len(digits) <= 19 or not luhn_valid(digits):
            raise _error("invalid_number", "カード番号が正しくありません。", "number")
        brand = brand_of(digits)
        if brand is None:
            raise _error(
                "unsupported_brand",
                "このカードはご利用いただけません。Visa、Mastercard、JCB、American Express、Diners Club のカードをご利用ください。",
                "number",
            )
        try:
            month, year = int(str(exp_month).strip()), int(str(exp_year).strip())
        except ValueError:
            raise _error("invalid_expiry", "有効期限が正しくありません（月/年）。", "expiry") from None
        if year < 100:
            year += 2000
        today = timezone.localdate()
        if not 1 <= month <= 12 or year > today.year + 20:
            raise _error("invalid_expiry", "有効期限が正しくありません（月/年）。", "expiry")
        if (year, month) < (today.year, today.month):
            raise _error("expired_card", "カードの有効期限が切れています。", "expiry")
        cvc = str(cvc or "").strip()
        if not cvc.isdigit() or len(cvc) != (4 if brand == "amex" else 3):
            raise _error("invalid_cvc", "セキュリティコードが正しくありません。", "cvc")
        token = SimCardToken.objects.create(
            token=new_id("tok_", 24),
            brand=brand,
            last4=digits[-4:],
            exp_month=month,
            exp_year=year,
            outcome=DECLINING_NUMBERS.get(digits, "approve"),
            expires_at=timezone.now() + TOKEN_TTL,
        )
        return token_json(token)

    def charge(self, *, token: str, amount, order_number: str, idempotency_key: str) -> dict:
        if not (idempotency_key or "").strip():
            raise SimulatorError(400, "missing_idempotency_key", "Idempotency-Key ヘッダーを指定してください。")
        yen = _yen(amount)
        fingerprint = request_fingerprint(token, yen, order_number)
        with transaction.atomic():
            existing = SimCharge.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return self._replay(existing, fingerprint)
            card = SimCardToken.objects.select_for_update().filter(token=token).first()
            if card is None:
                raise _error(
                    "token_invalid", "カード情報を確認できませんでした。もう一度カード情報を入力してください。", "token"
                )
            if card.used_at is not None:
                raise _error(
                    "token_used",
                    "このカード情報はすでに使用されました。もう一度カード情報を入力してください。",
                    "token",
                )
            now = timezone.now()
            if card.expires_at <= now:
                raise _error(
                    "token_expired", "カード情報の有効時間が過ぎました。もう一度カード情報を入力してください。", "token"
                )
            declined = card.outcome != "approve"
            try:
                with transaction.atomic():
                    charge = SimCharge.objects.create(
                        reference=new_id("ch_", 24),
                        idempotency_key=idempotency_key,
                        request_fingerprint=fingerprint,
                        token=card.token,
                        order_number=order_number,
                        amount=yen,
                        status="declined" if declined else "captured",
                        brand=card.brand,
                        last4=card.last4,
                        decline_code=card.outcome if declined else "",
                        decline_message=DECLINE_MESSAGES.get(card.outcome, "") if declined else "",
                    )
            except IntegrityError:  # the same key won a race
                return self._replay(SimCharge.objects.get(idempotency_key=idempotency_key), fingerprint)
            card.used_at = now
            card.save(update_fields=["used_at"])
            return charge_json(charge)

    def _replay(self, charge: SimCharge, fingerprint: str) -> dict:
        if charge.request_fingerprint != fingerprint:
            raise SimulatorError(
                409, "idempotency_conflict", "同じ Idempotency-Key で異なる内容の決済が登録されています。"
            )
        return charge_json(charge)

    def get(self, *, reference: str) -> dict:
        return charge_json(self._charge(reference))

    def void(self, *, reference: str) -> dict:
        with transaction.atomic():
            charge = self._charge(reference, lock=True)
            if charge.status == "voided":
                return charge_json(charge)
            if charge.status != "captured":
                raise SimulatorError(409, "not_captured", "承認されていない決済は取り消せません。")
            charge.status, charge.voided_at = "voided", timezone.now()
            charge.save(update_fields=["status", "voided_at"])
            return charge_json(charge)

    def _charge(self, reference: str, *, lock: bool = False) -> SimCharge:
        queryset = SimCharge.objects.select_for_update() if lock else SimCharge.objects.all()
        charge = queryset.filter(reference=reference).first()
        if charge is None:
            raise SimulatorError(404, "charge_not_found", "決済が見つかりません。", field="reference")
        return charge
