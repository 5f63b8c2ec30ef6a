"""Contract tests of the payment adapters (P1, P2): the in-process simulator and the real-HTTP adapter.

Every contract test runs twice: with ``KOBAI_*="simulator"`` (the simulator
core called in-process) and with ``"http"`` (the real HTTP adapter, with
`requests`, against the simulator served by the whole app on a loopback port).
Both must behave the same.

The loopback server runs in a thread that shares this test's database
connection, and with it the test's transaction: what the server writes is
rolled back with the test, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from datetime import date, timedelta
from decimal import Decimal
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
import requests
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.utils import timezone

from shop.payments import card, invoice, signing
from shop.payments.models import SimCardToken, SimTransaction
from shop.payments.simulators.invoice import InvoicePartnerSimulator

pytestmark = pytest.mark.django_db

TEST_CARDS = {
    "visa": "4111111111111111",
    "mastercard": "5555555555554444",
    "jcb": "3530111333300000",
    "amex": "378282246310005",
    "diners": "36227206271667",
}
GENERIC_DECLINE = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # no access log: the token endpoint's requests stay out of the logs
        pass


@pytest.fixture
def loopback(db, monkeypatch):
    """The whole app served on 127.0.0.1 (the simulators under /_sim/), in this test's transaction; its base URL."""
    conn = connections["default"]
    conn.inc_thread_sharing()
    # Django's test client connects close_old_connections again after each of its own requests, so
    # disconnecting the signals is not enough: the shared connection itself must not close (PostgreSQL
    # would really close it; SQLite's in-memory test database ignores a close).
    monkeypatch.setattr(conn, "close_if_unusable_or_obsolete", lambda: None)
    # as Django's test client does: the end of a served request must not close the test's shared connection
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    app = WSGIHandler()

    def shared_connection_app(environ, start_response):
        connections["default"] = conn
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, shared_connection_app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        conn.dec_thread_sharing()


@pytest.fixture
def sim_rules(settings):
    settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT = 3_000_000
    settings.KOBAI_SIM_INVOICE_REVIEW_THRESHOLD = 1_000_000
    return settings


@pytest.fixture(params=["simulator", "http"])
def partner(request, sim_rules):
    settings = sim_rules
    settings.KOBAI_INVOICE_PARTNER = request.param
    if request.param == "http":
        settings.KOBAI_INVOICE_PARTNER_URL = request.getfixturevalue("loopback") + "/_sim/invoice"
    partner = invoice.get_partner()
    assert (
        type(partner).__name__ == {"simulator": "SimulatorInvoicePartner", "http": "HttpInvoicePartner"}[request.param]
    )
    return partner


@pytest.fixture(params=["simulator", "http"])
def gateway(request, settings):
    settings.KOBAI_CARD_GATEWAY = request.param
    if request.param == "http":
        settings.KOBAI_CARD_GATEWAY_URL = request.getfixturevalue("loopback") + "/_sim/card"
    gateway = card.get_gateway()
    assert type(gateway).__name__ == {"simulator": "SimulatorCardGateway", "http": "HttpCardGateway"}[request.param]
    return gateway


def key() -> str:
    return secrets.token_urlsafe(16)  # not a UUID: its digit groups could look like a card number to the guard


def screened(partner, name="株式会社契約テスト", postcode="100-0005"):
    return partner.screen(
        company_name=name, postcode=postcode, address="東京都千代田区丸の内1-1-1", representative="代表 太郎"
    )


def authorize(partner, buyer_id, amount, *, idempotency_key=None, order_number=None):
    return partner.authorize(
        buyer_id=buyer_id,
        order_number=order_number or f"K{uuid.uuid4().hex[:8]}",
        amount=Decimal(amount),
        idempotency_key=idempotency_key or key(),
    )


# --- deferred invoice: screening ---


def test_screening_approves_with_a_credit_line_and_knows_the_company_again(partner):
    # covers: P2
    first = screened(partner)
    assert first.status == "approved" and first.credit_limit == Decimal("3000000")
    assert first.buyer_id.startswith("BY")
    again = screened(partner, name="株式会社 契約テスト")  # spacing does not make another company
    assert again == first


@pytest.mark.parametrize(("name", "status"), [("否決工業株式会社", "rejected"), ("保留物産株式会社", "pending")])
def test_screening_rejects_or_holds_by_the_simulators_rules(partner, name, status):
    # covers: P2
    result = screened(partner, name=name)
    assert result.status == status and result.credit_limit == 0 and result.buyer_id


# --- deferred invoice: per-order check ---


def test_authorize_passes_within_the_line(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    result = authorize(partner, buyer, 500_000)
    assert result.result == "passed" and result.reference.startswith("tr_") and result.message == ""
    assert partner.status(reference=result.reference) == result


def test_authorize_rejects_beyond_the_partners_remaining_line(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    for _ in range(3):
        assert authorize(partner, buyer, 900_000).result == "passed"
    rejected = authorize(partner, buyer, 400_000)  # 2,700,000 of 3,000,000 held
    assert rejected.result == "rejected"
    assert "¥300,000" in rejected.message and "請求書払い" in rejected.message
    assert authorize(partner, buyer, 300_000).result == "passed"


def test_authorize_goes_to_manual_review_above_the_threshold(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    pending = authorize(partner, buyer, 1_000_001)
    assert pending.result == "pending" and "審査中" in pending.message
    assert authorize(partner, buyer, 1_000_000).result == "passed"
    # a pending order holds its amount too
    assert authorize(partner, buyer, 1_000_000).result == "rejected"


def test_authorize_goes_to_manual_review_for_a_marked_company(partner):
    # covers: P2
    buyer = screened(partner, name="要審査システムズ株式会社").buyer_id
    assert authorize(partner, buyer, 1_000).result == "pending"


def test_authorize_rejects_a_buyer_that_was_not_approved(partner):
    # covers: P2
    buyer = screened(partner, name="保留物産株式会社").buyer_id
    result = authorize(partner, buyer, 1_000)
    assert result.result == "rejected" and "審査が完了していない" in result.message


def test_authorize_of_an_unknown_buyer_is_an_error(partner):
    # covers: P2
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        authorize(partner, "BYunknown", 1_000)
    assert caught.value.code == "buyer_not_found" and "購入企業ID" in str(caught.value)


def test_the_same_idempotency_key_never_reserves_twice(partner):
    # covers: P2, O4
    buyer = screened(partner).buyer_id
    same = key()
    first = authorize(partner, buyer, 900_000, idempotency_key=same, order_number="K202611-00001")
    again = authorize(partner, buyer, 900_000, idempotency_key=same, order_number="K202611-00001")
    assert again == first
    assert SimTransaction.objects.filter(idempotency_key=same).count() == 1
    assert authorize(partner, buyer, 900_000).result == "passed"
    assert authorize(partner, buyer, 900_000).result == "passed"  # only possible if the first was held once
    assert authorize(partner, buyer, 300_001).result == "rejected"


def test_the_same_idempotency_key_with_another_amount_is_refused(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    same = key()
    authorize(partner, buyer, 10_000, idempotency_key=same, order_number="K202611-00002")
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        authorize(partner, buyer, 20_000, idempotency_key=same, order_number="K202611-00002")
    assert caught.value.code == "idempotency_conflict" and caught.value.status == 409


# --- deferred invoice: fix, cancel, status ---


def test_fix_makes_billing_due(partner):
    # covers: P2, P4
    buyer = screened(partner).buyer_id
    reference = authorize(partner, buyer, 100_000).reference
    partner.fix(reference=reference, shipped_on=date(2026, 11, 20))
    assert partner.status(reference=reference).result == "fixed"
    partner.fix(reference=reference, shipped_on=date(2026, 11, 20))  # the same request again is harmless
    assert SimTransaction.objects.get(reference=reference).shipped_on == date(2026, 11, 20)


def test_fix_of_an_order_under_review_is_refused(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    reference = authorize(partner, buyer, 2_000_000).reference
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        partner.fix(reference=reference, shipped_on=date(2026, 11, 20))
    assert caught.value.code == "invalid_state"


def test_cancel_releases_the_partners_line(partner):
    # covers: P2, O5
    buyer = screened(partner).buyer_id
    big = authorize(partner, buyer, 1_000_000).reference
    fixed = authorize(partner, buyer, 1_000_000).reference
    partner.fix(reference=fixed, shipped_on=date(2026, 11, 20))
    assert authorize(partner, buyer, 1_000_000).result == "passed"
    assert authorize(partner, buyer, 1_000).result == "rejected"
    partner.cancel(reference=big)
    partner.cancel(reference=fixed)  # fixed but not billed yet: still cancellable
    assert partner.status(reference=big).result == "cancelled"
    assert partner.status(reference=fixed).result == "cancelled"
    partner.cancel(reference=big)  # cancelling twice is harmless
    assert authorize(partner, buyer, 1_000_000).result == "passed"


def test_cancel_after_billing_is_an_error(partner):
    # covers: P2, O5
    buyer = screened(partner).buyer_id
    reference = authorize(partner, buyer, 100_000).reference
    partner.fix(reference=reference, shipped_on=date(2026, 10, 30))
    billed = InvoicePartnerSimulator.from_settings().run_billing(today=date(2026, 11, 2))
    assert [tx["reference"] for tx in billed] == [reference]
    assert partner.status(reference=reference).result == "billed"
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        partner.cancel(reference=reference)
    assert caught.value.code == "already_billed" and caught.value.status == 409
    assert "請求済み" in str(caught.value)


def test_status_of_an_unknown_transaction_is_an_error(partner):
    # covers: P2
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        partner.status(reference="tr_doesnotexist")
    assert caught.value.code == "transaction_not_found" and caught.value.status == 404


def test_review_decides_a_pending_order(partner):
    # covers: P2
    buyer = screened(partner).buyer_id
    passed, rejected = authorize(partner, buyer, 1_200_000), authorize(partner, buyer, 1_300_000)
    sim = InvoicePartnerSimulator.from_settings()
    sim.review(reference=passed.reference, decision="passed")
    sim.review(reference=rejected.reference, decision="rejected")
    assert partner.status(reference=passed.reference).result == "passed"
    after = partner.status(reference=rejected.reference)
    assert after.result == "rejected" and "与信審査" in after.message


# --- deferred invoice: the HTTP transport ---


def test_http_partner_requests_are_signed_and_a_wrong_secret_is_refused(loopback, settings):
    # covers: P2
    settings.KOBAI_INVOICE_PARTNER = "http"
    settings.KOBAI_INVOICE_PARTNER_URL = f"{loopback}/_sim/invoice"
    partner = invoice.HttpInvoicePartner(base_url=settings.KOBAI_INVOICE_PARTNER_URL, secret="not-the-secret")
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        screened(partner)
    assert caught.value.code == "invalid_signature" and caught.value.status == 401
    unsigned = requests.post(f"{loopback}/_sim/invoice/v1/buyers/screenings", json={"company_name": "x"}, timeout=5)
    assert unsigned.status_code == 401


def test_http_partner_refuses_a_replayed_request(loopback, settings):
    # covers: P2
    body = json.dumps({"company_name": "株式会社再送", "postcode": "100-0005", "address": "東京都"}).encode()
    path = "/_sim/invoice/v1/buyers/screenings"
    old = str(int(timezone.now().timestamp()) - 600)
    headers = {
        signing.TIMESTAMP_HEADER: old,
        signing.SIGNATURE_HEADER: signing.request_signature(
            secret=settings.KOBAI_INVOICE_PARTNER_SECRET, timestamp=old, method="POST", path=path, body=body
        ),
        "Content-Type": "application/json",
    }
    assert requests.post(f"{loopback}{path}", data=body, headers=headers, timeout=5).status_code == 401
    # a signature for one transaction's cancel does not cancel another
    fresh = signing.now()
    headers = {
        signing.TIMESTAMP_HEADER: fresh,
        signing.SIGNATURE_HEADER: signing.request_signature(
            secret=settings.KOBAI_INVOICE_PARTNER_SECRET,
            timestamp=fresh,
            method="POST",
            path="/_sim/invoice/v1/transactions/tr_one/cancel",
            body=b"{}",
        ),
    }
    response = requests.post(
        f"{loopback}/_sim/invoice/v1/transactions/tr_two/cancel", data=b"{}", headers=headers, timeout=5
    )
    assert response.status_code == 401


def test_http_partner_unreachable_is_a_japanese_error():
    # covers: P2
    partner = invoice.HttpInvoicePartner(base_url="http://127.0.0.1:9", secret="x", timeout=2)
    with pytest.raises(invoice.InvoicePartnerError) as caught:
        partner.status(reference="tr_any")
    assert caught.value.code == "unreachable" and "接続できませんでした" in str(caught.value)


# --- card gateway ---


def tokenize(client, number, *, exp_month="12", exp_year=None, cvc=None, public_key=None):
    """What card.js does in the browser: post the card details to the gateway's token endpoint."""
    from django.conf import settings as django_settings

    payload = {
        "public_key": public_key or django_settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY,
        "number": number,
        "exp_month": exp_month,
        "exp_year": exp_year or str(timezone.localdate().year + 3),
        "cvc": cvc or ("1234" if number.startswith(("34", "37")) else "123"),
    }
    return client.post("/_sim/card/v1/tokens", payload, content_type="application/json")


def token_for(client, number, **kwargs) -> dict:
    response = tokenize(client, number, **kwargs)
    assert response.status_code == 201, response.content.decode()
    return response.json()


@pytest.mark.parametrize("brand", card.BRANDS)
def test_each_brand_is_tokenised_and_captured(gateway, client, brand):
    # covers: P1, P2
    number = TEST_CARDS[brand]
    token = token_for(client, number)
    assert token["token"].startswith("tok_") and token["brand"] == brand and token["last4"] == number[-4:]
    charge = gateway.charge(
        token=token["token"], amount=Decimal(12_100), order_number="K202611-00010", idempotency_key=key()
    )
    assert charge == card.Charge(reference=charge.reference, status="captured", brand=brand, last4=number[-4:])
    assert charge.reference.startswith("ch_")


@pytest.mark.parametrize(
    ("number", "words"), [(GENERIC_DECLINE, "承認されませんでした"), (INSUFFICIENT_FUNDS, "ご利用可能額が不足")]
)
def test_declined_cards_answer_with_a_japanese_message(gateway, client, number, words):
    # covers: P1
    token = token_for(client, number)
    charge = gateway.charge(
        token=token["token"], amount=Decimal(5_000), order_number="K202611-00011", idempotency_key=key()
    )
    assert charge.status == "declined" and words in charge.decline_message
    assert charge.brand == "visa" and charge.last4 == number[-4:]


def test_a_token_is_single_use(gateway, client):
    # covers: P2
    token = token_for(client, TEST_CARDS["visa"])["token"]
    gateway.charge(token=token, amount=Decimal(5_000), order_number="K202611-00012", idempotency_key=key())
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token=token, amount=Decimal(5_000), order_number="K202611-00013", idempotency_key=key())
    assert caught.value.code == "token_used" and "もう一度カード情報を入力" in str(caught.value)


def test_a_token_expires(gateway, client):
    # covers: P2
    token = token_for(client, TEST_CARDS["jcb"])["token"]
    SimCardToken.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token=token, amount=Decimal(5_000), order_number="K202611-00014", idempotency_key=key())
    assert caught.value.code == "token_expired"


def test_an_unknown_token_is_refused(gateway):
    # covers: P2
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token="tok_forged", amount=Decimal(5_000), order_number="K202611-00015", idempotency_key=key())
    assert caught.value.code == "token_invalid"


def test_a_charge_is_idempotent_by_key(gateway, client):
    # covers: P2, O4
    token = token_for(client, TEST_CARDS["mastercard"])["token"]
    same = key()
    first = gateway.charge(token=token, amount=Decimal(7_700), order_number="K202611-00016", idempotency_key=same)
    again = gateway.charge(token=token, amount=Decimal(7_700), order_number="K202611-00016", idempotency_key=same)
    assert again == first and first.status == "captured"
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token=token, amount=Decimal(8_800), order_number="K202611-00016", idempotency_key=same)
    assert caught.value.code == "idempotency_conflict"


def test_void_cancels_a_capture_once(gateway, client):
    # covers: P2, O5
    from shop.payments.models import SimCharge

    token = token_for(client, TEST_CARDS["amex"])["token"]
    charge = gateway.charge(token=token, amount=Decimal(9_900), order_number="K202611-00017", idempotency_key=key())
    gateway.void(reference=charge.reference)
    gateway.void(reference=charge.reference)
    assert SimCharge.objects.get(reference=charge.reference).status == "voided"
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.void(reference="ch_unknown")
    assert caught.value.status == 404


def test_a_declined_charge_cannot_be_voided(gateway, client):
    # covers: P2
    token = token_for(client, GENERIC_DECLINE)["token"]
    charge = gateway.charge(token=token, amount=Decimal(5_000), order_number="K202611-00018", idempotency_key=key())
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.void(reference=charge.reference)
    assert caught.value.code == "not_captured"


def test_amounts_outside_the_gateways_range_are_refused(gateway, client):
    # covers: P2
    token = token_for(client, TEST_CARDS["visa"])["token"]
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token=token, amount=Decimal(49), order_number="K202611-00019", idempotency_key=key())
    assert caught.value.code == "invalid_amount"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "words"),
    [
        ({"number": "4111111111111112"}, 400, "invalid_number", "カード番号が正しくありません"),  # Luhn
        ({"number": "4111 1111 1111"}, 400, "invalid_number", "カード番号"),  # too short
        ({"number": "6011111111111117"}, 400, "unsupported_brand", "Visa、Mastercard、JCB"),  # Discover
        ({"exp_month": "13"}, 400, "invalid_expiry", "有効期限が正しくありません"),
        ({"exp_month": "1", "exp_year": "2020"}, 400, "expired_card", "有効期限が切れています"),
        ({"cvc": "12"}, 400, "invalid_cvc", "セキュリティコード"),
        ({"number": "378282246310005", "cvc": "123"}, 400, "invalid_cvc", "セキュリティコード"),  # Amex: 4 digits
        ({"public_key": "pk_wrong"}, 401, "invalid_public_key", "公開鍵"),
    ],
)
def test_the_token_endpoint_validates_card_details_in_japanese(client, overrides, status, code, words):
    # covers: P1, P2
    number = overrides.pop("number", TEST_CARDS["visa"])
    response = tokenize(client, number, **overrides)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and words in error["message"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_token_endpoint_accepts_spaced_numbers_and_answers_cors_preflight(client):
    # covers: P2
    assert token_for(client, "4111 1111 1111 1111")["last4"] == "1111"
    preflight = client.options("/_sim/card/v1/tokens", HTTP_ORIGIN="https://shop.example")
    assert preflight.status_code == 204 and "POST" in preflight["Access-Control-Allow-Methods"]


def test_http_gateway_needs_the_secret_key(loopback, client):
    # covers: P2
    gateway = card.HttpCardGateway(base_url=f"{loopback}/_sim/card", secret_key="sk_wrong")
    token = token_for(client, TEST_CARDS["visa"])["token"]
    with pytest.raises(card.CardGatewayError) as caught:
        gateway.charge(token=token, amount=Decimal(5_000), order_number="K202611-00020", idempotency_key=key())
    assert caught.value.code == "invalid_secret_key" and caught.value.status == 401
    assert SimCardToken.objects.get(token=token).used_at is None


def test_tokenize_url_is_the_gateways(settings):
    # covers: P2
    settings.KOBAI_CARD_GATEWAY = "simulator"
    assert card.tokenize_url() == "/_sim/card/v1/tokens"
    settings.KOBAI_CARD_GATEWAY = "http"
    settings.KOBAI_CARD_GATEWAY_URL = "https://api.gateway.example/"
    assert card.tokenize_url() == "https://api.gateway.example/v1/tokens"
