"""Deferred invoice through the payment partner (請求書払い / 掛け払い, P1, P2): the adapter interface.

The partner screens a buyer company once (`screen`: a buyer id and a credit
line), checks and reserves every order against that line (`authorize`), turns
the reservation into a receivable when the goods ship or the contract starts
(`fix`), bills the buyer, and tells us of decisions and bills by signed
webhooks (`shop.payments.webhooks`). `cancel` releases an order before it is
billed. Every call is keyword-only and answers with a frozen dataclass, or
raises `InvoicePartnerError` with a Japanese message.

`get_partner()` chooses the implementation from settings:
``KOBAI_INVOICE_PARTNER = "simulator"`` (default: `SimulatorInvoicePartner`,
the local simulator in-process) or ``"http"`` (`HttpInvoicePartner`: the JSON
API at ``KOBAI_INVOICE_PARTNER_URL``, each request signed with HMAC-SHA256
under ``KOBAI_INVOICE_PARTNER_SECRET``, see `shop.payments.signing`). Both
parse the same wire objects, and the contract tests run both against the same
simulator (tests/integration/test_payments_contract.py).

Wire protocol (JSON, amounts in whole yen):
    POST /v1/buyers/screenings        {company_name, postcode, address, representative} → buyer
    POST /v1/transactions             {buyer_id, order_number, amount} + Idempotency-Key → transaction
    GET  /v1/transactions/<ref>                                                          → transaction
    POST /v1/transactions/<ref>/fix   {shipped_on: "YYYY-MM-DD"}                         → transaction
    POST /v1/transactions/<ref>/cancel {}                                                → transaction
    errors: HTTP 4xx/5xx with {"error": {"code", "message"}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shop.transactions import require_outside_transaction

from . import signing
from .simulators import SimulatorError, simulate_latency

UNREACHABLE = "後払い決済会社に接続できませんでした。しばらくしてからもう一度お試しください。"
PROTOCOL_ERROR = "後払い決済会社から予期しない応答がありました。しばらくしてからもう一度お試しください。"

# the partner's transaction states → Authorization.result
RESULTS = {
    "pending_review": "pending",
    "passed": "passed",
    "rejected": "rejected",
    "fixed": "fixed",
    "billed": "billed",
    "paid": "paid",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Screening:
    buyer_id: str
    status: str  # "approved" | "rejected" | "pending"
    credit_limit: Decimal  # yen, 0 unless approved


@dataclass(frozen=True)
class Authorization:
    """A per-order check. `authorize` answers "passed" | "rejected" | "pending" (manual review at the partner);
    `status` follows the transaction on: also "fixed" | "billed" | "paid" | "cancelled"."""

    reference: str
    result: str
    message: str = ""


class InvoicePartnerError(Exception):
    """The partner was unreachable, refused the request or answered outside the protocol (message in Japanese)."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None):
        self.message = message
        self.code = code
        self.status = status
        super().__init__(message)


class InvoicePartner(Protocol):
    def screen(self, *, company_name: str, postcode: str, address: str, representative: str) -> Screening: ...

    def authorize(
        self, *, buyer_id: str, order_number: str, amount: Decimal, idempotency_key: str
    ) -> Authorization: ...

    def fix(self, *, reference: str, shipped_on: date) -> None: ...

    def cancel(self, *, reference: str) -> None: ...

    def status(self, *, reference: str) -> Authorization: ...


def get_partner() -> InvoicePartner:
    kind = settings.KOBAI_INVOICE_PARTNER
    if kind == "simulator":
        return SimulatorInvoicePartner()
    if kind == "http":
        if not settings.KOBAI_INVOICE_PARTNER_URL:
            raise ImproperlyConfigured("KOBAI_INVOICE_PARTNER=http needs KOBAI_INVOICE_PARTNER_URL")
        return HttpInvoicePartner(
            base_url=settings.KOBAI_INVOICE_PARTNER_URL,
            secret=settings.KOBAI_INVOICE_PARTNER_SECRET,
            timeout=settings.KOBAI_INVOICE_PARTNER_TIMEOUT,
        )
    raise ImproperlyConfigured(f"KOBAI_INVOICE_PARTNER must be 'simulator' or 'http', not {kind!r}")


def _yen(amount: Decimal) -> int:
    amount = Decimal(amount)
    if amount != amount.to_integral_value():
        raise ValueError("amounts are whole yen")
    return int(amount)


def _screening(payload: dict) -> Screening:
    try:
        return Screening(
            buyer_id=str(payload["buyer_id"]),
            status=str(payload["status"]),
            credit_limit=Decimal(payload["credit_limit"]) if payload["status"] == "approved" else Decimal(0),
        )
    except (KeyError, TypeError, ArithmeticError):
        raise InvoicePartnerError(PROTOCOL_ERROR, code="protocol") from None


def _authorization(payload: dict) -> Authorization:
    try:
        return Authorization(
            reference=str(payload["reference"]),
            result=RESULTS[payload["status"]],
            message=str(payload.get("message") or ""),
        )
    except (KeyError, TypeError):
        raise InvoicePartnerError(PROTOCOL_ERROR, code="protocol") from None


class SimulatorInvoicePartner:
    """The local simulator, called in-process (development and tests)."""

    def __init__(self, simulator=None):
        from .simulators.invoice import InvoicePartnerSimulator

        self.simulator = simulator or InvoicePartnerSimulator.from_settings()

    def _call(self, method, **kwargs) -> dict:
        simulate_latency()
        require_outside_transaction("a call to the deferred-invoice partner")
        try:
            return method(**kwargs)
        except SimulatorError as exc:
            raise InvoicePartnerError(exc.message, code=exc.code, status=exc.status) from None

    def screen(self, *, company_name: str, postcode: str, address: str, representative: str) -> Screening:
        return _screening(
            self._call(
                self.simulator.screen,
                company_name=company_name,
                postcode=postcode,
                address=address,
                representative=representative,
            )
        )

    def authorize(self, *, buyer_id: str, order_number: str, amount: Decimal, idempotency_key: str) -> Authorization:
        return _authorization(
            self._call(
                self.simulator.create_transaction,
                buyer_id=buyer_id,
                order_number=order_number,
                amount=_yen(amount),
                idempotency_key=idempotency_key,
            )
        )

    def fix(self, *, reference: str, shipped_on: date) -> None:
        self._call(self.simulator.fix, reference=reference, shipped_on=shipped_on.isoformat())

    def cancel(self, *, reference: str) -> None:
        self._call(self.simulator.cancel, reference=reference)

    def status(self, *, reference: str) -> Authorization:
        return _authorization(self._call(self.simulator.get, reference=reference))


class HttpInvoicePartner:
    """The partner's JSON API over HTTPS, each request signed (see `shop.payments.signing`)."""

    def __init__(self, *, base_url: str, secret: str, timeout: float = 10, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout
        self.session = session or requests.Session()

    def _request(self, method: str, path: str, payload: dict | None = None, *, idempotency_key: str = "") -> dict:
        require_outside_transaction("a call to the deferred-invoice partner")
        url = f"{self.base_url}{path}"
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        # a GET, or a POST under an idempotency key, is safe to send again once if the connection failed
        attempts = 2 if method == "GET" or idempotency_key else 1
        for attempt in range(attempts):
            headers = signing.request_headers(secret=self.secret, method=method, path=urlsplit(url).path, body=body)
            headers["Content-Type"] = "application/json"
            headers["Accept"] = "application/json"
            if idempotency_key:
                headers[signing.IDEMPOTENCY_HEADER] = idempotency_key
            try:
                response = self.session.request(method, url, data=body or None, headers=headers, timeout=self.timeout)
                break
            except (requests.ConnectionError, requests.Timeout):
                if attempt + 1 == attempts:
                    raise InvoicePartnerError(UNREACHABLE, code="unreachable") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise InvoicePartnerError(PROTOCOL_ERROR, code="protocol", status=response.status_code)
        if response.status_code >= 400:
            error = data.get("error") if isinstance(data.get("error"), dict) else {}
            raise InvoicePartnerError(
                str(error.get("message") or PROTOCOL_ERROR),
                code=str(error.get("code") or "protocol"),
                status=response.status_code,
            )
        return data

    def screen(self, *, company_name: str, postcode: str, address: str, representative: str) -> Screening:
        payload = {
            "company_name": company_name,
            "postcode": postcode,
            "address": address,
            "representative": representative,
        }
        return _screening(self._request("POST", "/v1/buyers/screenings", payload))

    def authorize(self, *, buyer_id: str, order_number: str, amount: Decimal, idempotency_key: str) -> Authorization:
        payload = {"buyer_id": buyer_id, "order_number": order_number, "amount": _yen(amount)}
        return _authorization(self._request("POST", "/v1/transactions", payload, idempotency_key=idempotency_key))

    def fix(self, *, reference: str, shipped_on: date) -> None:
        self._request("POST", f"/v1/transactions/{quote(reference)}/fix", {"shipped_on": shipped_on.isoformat()})

    def cancel(self, *, reference: str) -> None:
        self._request("POST", f"/v1/transactions/{quote(reference)}/cancel", {})

    def status(self, *, reference: str) -> Authorization:
        return _authorization(self._request("GET", f"/v1/transactions/{quote(reference)}"))
