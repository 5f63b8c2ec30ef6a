"""The deferred-invoice partner's webhooks reach our endpoint and move our payment record (P2).

`/shop/payments/webhooks/invoice/` checks the HMAC signature and the
timestamp's freshness (400 otherwise), applies each event id once, and hands
the state to `shop.payments.events.on_invoice_event`.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import date
from decimal import Decimal

import pytest

from shop.payments import events, invoice, records, signing
from shop.payments.models import Payment, SimInvoiceEvent, WebhookEvent
from shop.payments.simulators import invoice as invoice_simulator
from shop.payments.simulators.invoice import InvoicePartnerSimulator
from tests.integration.test_payments_contract import loopback  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

URL = "/shop/payments/webhooks/invoice/"


def _event(reference: str, state: str, *, event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{secrets.token_urlsafe(12)}",
            "type": f"transaction.{state}",
            "created": int(time.time()),
            "data": {"reference": reference, "status": state, "order_number": "K202611-00100", "amount": 110000},
        }
    ).encode()


def _post(client, body: bytes, headers: dict[str, str]):
    return client.post(
        URL, body, content_type="application/json", headers={k: v for k, v in headers.items() if k != "Content-Type"}
    )


def _signed(body: bytes, settings, *, timestamp: str | None = None, secret: str | None = None) -> dict[str, str]:
    timestamp = timestamp or signing.now()
    return {
        signing.TIMESTAMP_HEADER: timestamp,
        signing.SIGNATURE_HEADER: signing.webhook_signature(
            secret=secret or settings.KOBAI_INVOICE_PARTNER_SECRET, timestamp=timestamp, body=body
        ),
    }


def _payment(reference: str, status=Payment.Status.PENDING) -> Payment:
    return Payment.objects.create(
        order_number="K202611-00100",
        method=Payment.Method.INVOICE,
        status=status,
        reference=reference,
        amount=Decimal(110000),
    )


def test_a_signed_event_is_recorded_and_moves_the_payment(client, settings):
    # covers: P2
    payment = _payment("tr_webhook1")
    body = _event("tr_webhook1", "passed", event_id="evt_first")
    response = _post(client, body, _signed(body, settings))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED
    event = WebhookEvent.objects.get(event_id="evt_first")
    assert event.type == "transaction.passed" and event.state == "passed" and event.processed_at is not None


@pytest.mark.parametrize("tamper", ["secret", "body", "missing"])
def test_a_bad_signature_is_refused_with_400(client, settings, tamper):
    # covers: P2
    payment = _payment("tr_webhook2")
    body = _event("tr_webhook2", "passed")
    if tamper == "secret":
        headers = _signed(body, settings, secret="someone-else")
    elif tamper == "body":
        headers = _signed(body, settings)
        body = _event("tr_webhook2", "billed")
    else:
        headers = {}
    response = _post(client, body, headers)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_stale_timestamp_is_refused_as_a_replay(client, settings):
    # covers: P2
    _payment("tr_webhook3")
    body = _event("tr_webhook3", "passed")
    response = _post(client, body, _signed(body, settings, timestamp=str(int(time.time()) - 301)))
    assert response.status_code == 400 and not WebhookEvent.objects.exists()


def test_a_redelivered_event_is_applied_once(client, settings):
    # covers: P2
    payment = _payment("tr_webhook4")
    body = _event("tr_webhook4", "passed", event_id="evt_again")
    assert _post(client, body, _signed(body, settings)).json() == {"status": "ok"}
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)  # changed since, by us
    again = _post(client, body, _signed(body, settings))
    assert again.status_code == 200 and again.json() == {"status": "duplicate"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert WebhookEvent.objects.filter(event_id="evt_again").count() == 1


def test_webhooks_are_post_only_and_need_no_csrf_token(settings):
    # covers: P2
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get(URL).status_code == 405
    body = _event("tr_unknown", "billed")
    assert _post(strict, body, _signed(body, settings)).status_code == 200  # unknown reference: recorded, no payment


def test_states_only_move_forward():
    # covers: P2
    payment = _payment("tr_order")
    for state, expected in [
        ("passed", Payment.Status.AUTHORIZED),
        ("billed", Payment.Status.BILLED),
        ("passed", Payment.Status.BILLED),  # late and out of order: ignored
        ("cancelled", Payment.Status.BILLED),  # billed cannot be cancelled
        ("paid", Payment.Status.PAID),
        ("rejected", Payment.Status.PAID),
    ]:
        events.on_invoice_event("tr_order", state)
        payment.refresh_from_db()
        assert payment.status == expected, state
    events.on_invoice_event("tr_order", "something.else")  # unknown states are ignored


def test_simulator_review_and_billing_reach_our_endpoint(
    client, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # covers: P2
    settings.KOBAI_INVOICE_PARTNER = "simulator"
    settings.KOBAI_SIM_INVOICE_REVIEW_THRESHOLD = 1_000_000

    def post_through_test_client(url, body, headers):
        assert url == settings.KOBAI_SIM_INVOICE_WEBHOOK_URL
        return _post(client, body, headers).status_code

    monkeypatch.setattr(invoice_simulator, "post_webhook", post_through_test_client)
    partner = invoice.get_partner()
    buyer = partner.screen(
        company_name="株式会社通知テスト", postcode="100-0005", address="東京都", representative="代表"
    )
    key = secrets.token_urlsafe(16)
    authorization = partner.authorize(
        buyer_id=buyer.buyer_id, order_number="K202611-00101", amount=Decimal(1_500_000), idempotency_key=key
    )
    assert authorization.result == "pending"
    payment = records.record_invoice(
        order_number="K202611-00101", amount=Decimal(1_500_000), authorization=authorization, idempotency_key=key
    )
    assert payment.status == Payment.Status.PENDING

    sim = InvoicePartnerSimulator.from_settings()
    with django_capture_on_commit_callbacks(execute=True):
        sim.review(reference=authorization.reference, decision="passed")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED

    partner.fix(reference=authorization.reference, shipped_on=date(2026, 10, 15))
    with django_capture_on_commit_callbacks(execute=True):
        sim.run_billing(today=date(2026, 11, 1))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.BILLED
    assert not SimInvoiceEvent.objects.filter(delivered_at__isnull=True).exists()
    assert list(WebhookEvent.objects.order_by("received_at", "pk").values_list("type", flat=True)) == [
        "transaction.passed",
        "transaction.billed",
    ]


def test_an_undelivered_webhook_stays_in_the_simulators_outbox(settings, django_capture_on_commit_callbacks):
    # covers: P2
    settings.KOBAI_SIM_INVOICE_WEBHOOK_URL = "http://127.0.0.1:9/shop/payments/webhooks/invoice/"  # nobody listens
    partner = invoice.get_partner()
    buyer = partner.screen(
        company_name="株式会社再送テスト", postcode="100-0005", address="東京都", representative="代表"
    )
    pending = partner.authorize(
        buyer_id=buyer.buyer_id, order_number="K202611-00102", amount=Decimal(2_000_000), idempotency_key="k-102"
    )
    with django_capture_on_commit_callbacks(execute=True):
        InvoicePartnerSimulator.from_settings().review(reference=pending.reference, decision="rejected")
    event = SimInvoiceEvent.objects.get(reference=pending.reference)
    assert event.delivered_at is None and event.attempts == 1 and event.last_error


def test_over_http_the_console_decides_and_the_webhook_comes_back(
    loopback,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    client,
    django_user_model,
):
    # covers: P2
    import re

    import requests
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.KOBAI_INVOICE_PARTNER = "http"
    settings.KOBAI_INVOICE_PARTNER_URL = f"{loopback}/_sim/invoice"
    settings.KOBAI_SIM_INVOICE_WEBHOOK_URL = f"{loopback}{URL}"
    settings.KOBAI_SIM_INVOICE_REVIEW_THRESHOLD = 1_000_000
    partner = invoice.get_partner()
    buyer = partner.screen(
        company_name="株式会社往復テスト", postcode="100-0005", address="東京都", representative="代表"
    )
    authorization = partner.authorize(
        buyer_id=buyer.buyer_id, order_number="K202611-00103", amount=Decimal(1_800_000), idempotency_key="k-103"
    )
    payment = records.record_invoice(
        order_number="K202611-00103", amount=Decimal(1_800_000), authorization=authorization
    )
    # the console is for the credit desk's staff: a signed-in, two-factor verified session and a CSRF token
    operator = django_user_model.objects.create_user(
        "simdesk", "simdesk@kobai.example", "pw-staff-123", is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=operator, name="phone", confirmed=True)
    client.force_login(operator)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    browser = requests.Session()
    browser.cookies.set(settings.SESSION_COOKIE_NAME, session.session_key)
    page = browser.get(f"{loopback}/_sim/invoice/console/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"{loopback}/_sim/invoice/console/",
            data={"action": "reject", "reference": authorization.reference, "csrfmiddlewaretoken": token},
            headers={"Accept": "application/json"},
            timeout=5,
        )
    assert response.status_code == 200 and response.json()["result"]["status"] == "rejected"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REJECTED
    assert WebhookEvent.objects.get(reference=authorization.reference).type == "transaction.rejected"
    assert partner.status(reference=authorization.reference).result == "rejected"


def test_the_simulator_command_decides_a_review(settings, django_capture_on_commit_callbacks, capsys):
    # covers: P2
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.KOBAI_SIM_INVOICE_WEBHOOK_URL = ""  # no merchant endpoint: the event waits in the outbox
    partner = invoice.get_partner()
    buyer = partner.screen(
        company_name="株式会社コマンド", postcode="100-0005", address="東京都", representative="代表"
    )
    pending = partner.authorize(
        buyer_id=buyer.buyer_id, order_number="K202611-00104", amount=Decimal(2_000_000), idempotency_key="k-104"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sim_invoice", "pass", pending.reference)
    assert json.loads(capsys.readouterr().out)["status"] == "passed"
    assert partner.status(reference=pending.reference).result == "passed"
    assert SimInvoiceEvent.objects.get(reference=pending.reference).delivered_at is None
    with pytest.raises(CommandError, match="審査中の取引ではありません"):
        call_command("sim_invoice", "pass", pending.reference)
