"""The simulators served over HTTP under ``/_sim/`` (development and the "http" adapters' tests).

These views are the partner's and the gateway's side of the wire protocol:
they check what the real services check (the HMAC signature and timestamp of
each partner request, the gateway's secret key, the public key on token
requests), call the simulator cores and answer with the same JSON objects and
errors. The partner's operator console (``/_sim/invoice/console/``) stands in
for the partner's own staff: it decides pending reviews and screenings, bills,
records payments and redelivers webhooks. Nothing here is mounted unless
``KOBAI_PAYMENT_SIMULATORS`` is on (development with DEBUG, and the tests).

The console is for people: it needs a signed-in staff member holding the
credit role's permission (`CONSOLE_PERMISSION`), a CSRF token on every POST,
and a verified second factor (its path is in ``KOBAI_OTP_PROTECTED_PREFIXES``).
A credit line it grants is a whole number of yen up to the simulator's own
``KOBAI_SIM_INVOICE_CREDIT_LIMIT``. Only the machine-to-machine endpoints are
CSRF-exempt: the partner API checks each request's HMAC signature, the card
charge API the gateway's secret key, and the token endpoint is the browser's
cross-origin call with the public key, as on the real gateway.

The token endpoint receives card numbers, as the real gateway's does: it
never logs the request body, answers CORS (the real one is on another
origin), and keeps no card number (see `simulators.card`).
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from . import signing
from .models import SimBuyer, SimInvoiceEvent, SimTransaction
from .simulators import SimulatorError
from .simulators.card import CardGatewaySimulator
from .simulators.invoice import PENDING_REVIEW, InvoicePartnerSimulator


def _json_body(request) -> dict:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise SimulatorError(400, "invalid_json", "リクエストの形式が正しくありません（JSON）。") from None
    if not isinstance(data, dict):
        raise SimulatorError(400, "invalid_json", "リクエストの形式が正しくありません（JSON）。")
    return data


def _answer(call, *, status: int = 200, headers: dict | None = None) -> JsonResponse:
    try:
        response = JsonResponse(call(), status=status, json_dumps_params={"ensure_ascii": False})
    except SimulatorError as exc:
        response = JsonResponse(exc.as_json(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _method_not_allowed(*allowed: str) -> JsonResponse:
    response = JsonResponse({"error": {"code": "method_not_allowed", "message": "Method not allowed"}}, status=405)
    response["Allow"] = ", ".join(allowed)
    return response


# --- deferred-invoice partner: the merchant API (signed) ---


def _signed(request) -> None:
    if not signing.verify_request(
        secret=settings.KOBAI_INVOICE_PARTNER_SECRET,
        method=request.method,
        path=request.path,
        body=request.body,
        headers=request.headers,
    ):
        raise SimulatorError(401, "invalid_signature", "署名または時刻が正しくありません。")


def _invoice(request, operation, *, status: int = 200) -> JsonResponse:
    def call():
        _signed(request)
        return operation(InvoicePartnerSimulator.from_settings(), _json_body(request))

    return _answer(call, status=status)


@csrf_exempt
def invoice_screenings(request):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _invoice(
        request,
        lambda sim, data: sim.screen(
            company_name=str(data.get("company_name") or ""),
            postcode=str(data.get("postcode") or ""),
            address=str(data.get("address") or ""),
            representative=str(data.get("representative") or ""),
        ),
    )


@csrf_exempt
def invoice_transactions(request):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _invoice(
        request,
        lambda sim, data: sim.create_transaction(
            buyer_id=str(data.get("buyer_id") or ""),
            order_number=str(data.get("order_number") or ""),
            amount=data.get("amount"),
            idempotency_key=request.headers.get(signing.IDEMPOTENCY_HEADER, ""),
        ),
        status=201,
    )


@csrf_exempt
def invoice_transaction(request, reference):
    if request.method != "GET":
        return _method_not_allowed("GET")
    return _invoice(request, lambda sim, data: sim.get(reference=reference))


@csrf_exempt
def invoice_transaction_fix(request, reference):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _invoice(request, lambda sim, data: sim.fix(reference=reference, shipped_on=data.get("shipped_on")))


@csrf_exempt
def invoice_transaction_cancel(request, reference):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _invoice(request, lambda sim, data: sim.cancel(reference=reference))


# --- deferred-invoice partner: the operator console (the partner's own staff) ---

# The credit role's permission: who may set credit lines in our dashboard may play the partner's credit desk.
CONSOLE_PERMISSION = "payments.manage_credit"


def console_operator(view):
    """Signed-in staff with `CONSOLE_PERMISSION` only: others are sent to log in, or refused (403)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_staff and request.user.has_perm(CONSOLE_PERMISSION)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _pending_buyer(buyer_id: str) -> str:
    """The console decides screenings that wait for it; a decided buyer is not re-decided here."""
    if not SimBuyer.objects.filter(buyer_id=buyer_id, status="pending").exists():
        raise SimulatorError(404, "buyer_not_pending", gettext("This buyer is not waiting for a screening decision."))
    return buyer_id


def _console_credit_limit(value) -> int:
    """A whole number of yen from 1 up to the simulator's credit ceiling (KOBAI_SIM_INVOICE_CREDIT_LIMIT)."""
    ceiling = settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT
    try:
        limit = int(str(value).strip())
    except ValueError:
        limit = 0
    if not 1 <= limit <= ceiling:
        raise SimulatorError(
            400,
            "invalid_credit_limit",
            gettext("The credit line must be a whole number of yen from 1 to %(ceiling)s.")
            % {"ceiling": f"{ceiling:,}"},
            field="credit_limit",
        )
    return limit


@require_http_methods(["GET", "POST"])
@console_operator
def invoice_console(request):
    sim = InvoicePartnerSimulator.from_settings()
    if request.method == "POST":
        action, reference = request.POST.get("action", ""), request.POST.get("reference", "")
        operations = {
            "pass": lambda: sim.review(reference=reference, decision="passed"),
            "reject": lambda: sim.review(reference=reference, decision="rejected"),
            "bill": lambda: sim.bill(reference=reference),
            "settle": lambda: sim.settle(reference=reference),
            "run-billing": lambda: sim.run_billing(today=timezone.localdate()),
            "approve-buyer": lambda: sim.decide_screening(
                buyer_id=_pending_buyer(reference),
                status="approved",
                credit_limit=_console_credit_limit(request.POST.get("credit_limit", "")),
            ),
            "reject-buyer": lambda: sim.decide_screening(
                buyer_id=_pending_buyer(reference), status="rejected", credit_limit=0
            ),
            "deliver": sim.deliver_pending,
        }
        operation = operations.get(action)
        if operation is None:
            return JsonResponse(
                {"error": {"code": "invalid_action", "message": "操作が正しくありません。"}}, status=400
            )
        if request.headers.get("Accept", "").startswith("application/json"):
            return _answer(lambda: {"result": operation()})
        try:
            operation()
        except SimulatorError as exc:
            return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
        return redirect(request.path)
    return render(
        request,
        "payments/sim/invoice_console.html",
        {
            "transactions": SimTransaction.objects.select_related("buyer")[:100],
            "pending_buyers": SimBuyer.objects.filter(status="pending"),
            "undelivered": SimInvoiceEvent.objects.filter(delivered_at__isnull=True),
            "pending_review": PENDING_REVIEW,
            "default_limit": settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT,
        },
    )


# --- card gateway ---


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "600"
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@sensitive_post_parameters("number", "cvc")
@sensitive_variables("data")
def card_tokens(request):
    """The browser's token endpoint: receives the card details, answers with a one-time token (or a Japanese error)."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "POST":
        return _cors(_method_not_allowed("POST", "OPTIONS"))

    def call():
        data = _json_body(request) if request.content_type == "application/json" else request.POST.dict()
        return CardGatewaySimulator.from_settings().create_token(
            public_key=str(data.get("public_key") or ""),
            number=str(data.get("number") or ""),
            exp_month=data.get("exp_month") or "",
            exp_year=data.get("exp_year") or "",
            cvc=str(data.get("cvc") or ""),
        )

    return _cors(_answer(call, status=201))


def _secret_key(request) -> None:
    expected = f"Bearer {settings.KOBAI_CARD_GATEWAY_SECRET}"
    if not signing.matches(expected, request.headers.get("Authorization")):
        raise SimulatorError(401, "invalid_secret_key", "カード決済の設定に誤りがあります（秘密鍵）。")


def _card(request, operation, *, status: int = 200) -> JsonResponse:
    def call():
        _secret_key(request)
        return operation(CardGatewaySimulator.from_settings(), _json_body(request))

    return _answer(call, status=status)


@csrf_exempt
def card_charges(request):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _card(
        request,
        lambda sim, data: sim.charge(
            token=str(data.get("token") or ""),
            amount=data.get("amount"),
            order_number=str(data.get("order_number") or ""),
            idempotency_key=request.headers.get(signing.IDEMPOTENCY_HEADER, ""),
        ),
        status=201,
    )


@csrf_exempt
def card_charge(request, reference):
    if request.method != "GET":
        return _method_not_allowed("GET")
    return _card(request, lambda sim, data: sim.get(reference=reference))


@csrf_exempt
def card_charge_void(request, reference):
    if request.method != "POST":
        return _method_not_allowed("POST")
    return _card(request, lambda sim, data: sim.void(reference=reference))
