"""Card payments through a tokenising gateway (P1, P2): the adapter interface.

Card numbers never reach our server: the card fields on the checkout page
(`payments/card_fields.html` + `payments/card.js`) have no ``name``, so the
browser never submits them to us; the script posts them straight to the
gateway's token endpoint (`tokenize_url()`, with the public key) and puts the
one-time token it gets back (``tok_…``), the brand and the last four digits
into the form. Our server charges the token (`charge`) and can void the
charge (`void`: cancel or refund). Calls are keyword-only and answer with a
frozen dataclass, or raise `CardGatewayError` with a Japanese message (an
unreachable gateway, and a token that is unknown, used or expired: the buyer
enters the card again). A declined card is not an error: `Charge.status` is
"declined" with the gateway's Japanese `decline_message`.

`get_gateway()` chooses the implementation from settings:
``KOBAI_CARD_GATEWAY = "simulator"`` (default, in-process) or ``"http"``
(the JSON API at ``KOBAI_CARD_GATEWAY_URL``, authenticated with the secret key
``KOBAI_CARD_GATEWAY_SECRET`` as a bearer token).

Wire protocol (JSON, amounts in whole yen):
    POST /v1/tokens   (browser) {public_key, number, exp_month, exp_year, cvc} → token
    POST /v1/charges  {token, amount, currency: "jpy", order_number} + Idempotency-Key → charge
    GET  /v1/charges/<ref>                                                       → charge
    POST /v1/charges/<ref>/void                                                  → charge
    errors: HTTP 4xx/5xx with {"error": {"code", "message", "field"}}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from shop.transactions import require_outside_transaction

from . import signing
from .simulators import SimulatorError, simulate_latency

BRANDS = ("visa", "mastercard", "jcb", "amex", "diners")
BRAND_LABELS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "jcb": "JCB",
    "amex": "American Express",
    "diners": "Diners Club",
}
UNREACHABLE = "カード決済会社に接続できませんでした。しばらくしてからもう一度お試しください。"
PROTOCOL_ERROR = "カード決済会社から予期しない応答がありました。しばらくしてからもう一度お試しください。"


@dataclass(frozen=True)
class Charge:
    reference: str
    status: str  # "captured" | "declined" ("voided" if the same key is replayed after a void)
    brand: str  # one of BRANDS
    last4: str
    decline_message: str = ""


class CardGatewayError(Exception):
    """The gateway was unreachable, refused the request (e.g. token used or expired) or broke the protocol."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        self.message = message
        self.code = code
        self.status = status
        super().__init__(message)


class CardGateway(Protocol):
    def charge(self, *, token: str, amount: Decimal, order_number: str, idempotency_key: str) -> Charge: ...

    def void(self, *, reference: str) -> None: ...


def get_gateway() -> CardGateway:
    kind = settings.KOBAI_CARD_GATEWAY
    if kind == "simulator":
        return SimulatorCardGateway()
    if kind == "http":
        if not settings.KOBAI_CARD_GATEWAY_URL:
            raise ImproperlyConfigured("KOBAI_CARD_GATEWAY=http needs KOBAI_CARD_GATEWAY_URL")
        return HttpCardGateway(
            base_url=settings.KOBAI_CARD_GATEWAY_URL,
            secret_key=settings.KOBAI_CARD_GATEWAY_SECRET,
            timeout=settings.KOBAI_CARD_GATEWAY_TIMEOUT,
        )
    raise ImproperlyConfigured(f"KOBAI_CARD_GATEWAY must be 'simulator' or 'http', not {kind!r}")


def tokenize_url() -> str:
    """Where the browser posts the card details for a token: the gateway's endpoint, never ours."""
    if settings.KOBAI_CARD_GATEWAY == "http":
        return f"{settings.KOBAI_CARD_GATEWAY_URL.rstrip('/')}/v1/tokens"
    return reverse("payments-sim:card-tokens")


def public_key() -> str:
    """The gateway's public (publishable) key that the browser sends with the card details."""
    return settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY


def _yen(amount: Decimal) -> int:
    amount = Decimal(amount)
    if amount != amount.to_integral_value():
        raise ValueError("amounts are whole yen")
    return int(amount)


def _charge(payload: dict) -> Charge:
    try:
        status = str(payload["status"])
        if status not in ("captured", "declined", "voided"):
            raise KeyError(status)
        return Charge(
            reference=str(payload["reference"]),
            status=status,
            brand=str(payload["brand"]),
            last4=str(payload["last4"]),
            decline_message=str(payload.get("decline_message") or ""),
        )
    except (KeyError, TypeError):
        raise CardGatewayError(PROTOCOL_ERROR, code="protocol") from None


class SimulatorCardGateway:
    """The local simulator, called in-process (development and tests)."""

    def __init__(self, simulator=None):
        from .simulators.card import CardGatewaySimulator

        self.simulator = simulator or CardGatewaySimulator.from_settings()

    def _call(self, method, **kwargs) -> dict:
        simulate_latency()
        require_outside_transaction("a call to the card gateway")
        try:
            return method(**kwargs)
        except SimulatorError as exc:
            raise CardGatewayError(exc.message, code=exc.code, status=exc.status) from None

    def charge(self, *, token: str, amount: Decimal, order_number: str, idempotency_key: str) -> Charge:
        return _charge(
            self._call(
                self.simulator.charge,
                token=token,
                amount=_yen(amount),
                order_number=order_number,
                idempotency_key=idempotency_key,
            )
        )

    def void(self, *, reference: str) -> None:
        self._call(self.simulator.void, reference=reference)


class HttpCardGateway:
    """The gateway's JSON API over HTTPS with the secret key."""

    def __init__(self, *, base_url: str, secret_key: str, timeout: float = 10, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.secret_key = secret_key
        self.timeout = timeout
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, payload: dict | None = None, *, idempotency_key: str = "") -> dict:
        require_outside_transaction("a call to the card gateway")
        headers = {"Authorization": f"Bearer {self.secret_key}", "Accept": "application/json"}
        if idempotency_key:
            headers[signing.IDEMPOTENCY_HEADER] = idempotency_key
        attempts = 2 if method == "GET" or idempotency_key else 1
        for attempt in range(attempts):
            try:
                response = self.session.request(
                    method, f"{self.base_url}{path}", json=payload, headers=headers, timeout=self.timeout
                )
                break
            except (requests.ConnectionError, requests.Timeout):
                if attempt + 1 == attempts:
                    raise CardGatewayError(UNREACHABLE, code="unreachable") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CardGatewayError(PROTOCOL_ERROR, code="protocol", status=response.status_code)
        if response.status_code >= 400:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            raise CardGatewayError(
                str(error.get("message") or PROTOCOL_ERROR),
                code=str(error.get("code") or "protocol"),
                status=response.status_code,
            )
        return data

    def charge(self, *, token: str, amount: Decimal, order_number: str, idempotency_key: str) -> Charge:
        payload = {"token": token, "amount": _yen(amount), "currency": "jpy", "order_number": order_number}
        return _charge(self._request("POST", "/v1/charges", payload, idempotency_key=idempotency_key))

    def void(self, *, reference: str) -> None:
        self._request("POST", f"/v1/charges/{quote(reference)}/void", {})
