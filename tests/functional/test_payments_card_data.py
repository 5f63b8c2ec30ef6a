"""Card numbers never reach our database or our logs (P2), and the card fields never post them to us (P1)."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.template import Context, Template

from shop.payments import card, records
from shop.payments.models import Payment
from shop.payments.redaction import CardNumberFilter, redact
from tests.integration.test_payments_contract import TEST_CARDS, loopback  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

DECLINING = ["4000000000000002", "4000000000009995", "4000000000000127", "4000000000000069"]
REFUSED = ["4111111111111112", "6011111111111117"]  # bad Luhn; a brand the shop does not take
ALL_NUMBERS = [*TEST_CARDS.values(), *DECLINING, *REFUSED]
DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def _text_of_every_table() -> list[tuple[str, str]]:
    """(table, value) for every text-like value in every table of the database."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "ignore")
                    if isinstance(value, dict | list):
                        value = repr(value)
                    if isinstance(value, str) and len(value) >= 13:
                        values.append((table, value))
    return values


def _digit_runs(values) -> set[tuple[str, str]]:
    return {(table, re.sub(r"[ -]", "", run)) for table, value in values for run in DIGIT_RUN.findall(value)}


def _tokenize_in_the_browser(post, number: str):
    return post(
        {
            "public_key": django_settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY,
            "number": " ".join(number[i : i + 4] for i in range(0, len(number), 4)),  # as typed, with spaces
            "exp_month": "12",
            "exp_year": str(date.today().year + 3),
            "cvc": "1234" if number.startswith(("34", "37")) else "123",
        }
    )


@pytest.mark.parametrize("adapter", ["simulator", "http"])
def test_a_checkout_like_flow_leaves_no_card_number_in_the_database_or_logs(client, settings, caplog, request, adapter):
    # covers: P2, P1
    caplog.set_level(logging.DEBUG)
    before = _digit_runs(_text_of_every_table())
    settings.KOBAI_CARD_GATEWAY = adapter
    if adapter == "http":
        base = request.getfixturevalue("loopback")
        settings.KOBAI_CARD_GATEWAY_URL = f"{base}/_sim/card"
        session = requests.Session()

        def post(payload):
            response = session.post(card.tokenize_url(), json=payload, timeout=5)
            return response.status_code, response.json()
    else:

        def post(payload):
            response = client.post(card.tokenize_url(), payload, content_type="application/json")
            return response.status_code, response.json()

    gateway = card.get_gateway()
    charged = []
    for index, number in enumerate(ALL_NUMBERS):
        status, body = _tokenize_in_the_browser(post, number)
        if number in REFUSED:
            assert status == 400 and "token" not in body
            continue
        assert status == 201, body
        # what our checkout receives: token, brand, last four; never the number
        order_number = f"K202611-{index:05d}"
        key = secrets.token_urlsafe(16)
        charge = gateway.charge(
            token=body["token"], amount=Decimal(33_000), order_number=order_number, idempotency_key=key
        )
        records.record_card(order_number=order_number, amount=Decimal(33_000), charge=charge, idempotency_key=key)
        charged.append(charge)
    assert {c.status for c in charged} == {"captured", "declined"}
    gateway.void(reference=next(c for c in charged if c.status == "captured").reference)
    logging.getLogger("shop.payments").warning("checkout tried cards %s", [c.last4 for c in charged])

    payments = Payment.objects.filter(method=Payment.Method.CARD)
    assert payments.count() == len(TEST_CARDS) + len(DECLINING)
    assert {p.card_brand for p in payments} == set(card.BRANDS)
    assert all(len(p.card_last4) == 4 for p in payments)

    values = _text_of_every_table()
    new_runs = _digit_runs(values) - before
    assert not new_runs, f"13–19 digit numbers written: {sorted(new_runs)[:5]}"
    squeezed = [(table, re.sub(r"[\s-]", "", value)) for table, value in values]
    for number in ALL_NUMBERS:
        assert not [table for table, value in squeezed if number in value], number
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert caplog.records  # the flow did log (refused tokens, the warning above): and none of it is a number
    assert not DIGIT_RUN.search(logged)
    for number in ALL_NUMBERS:
        assert number not in re.sub(r"[\s-]", "", logged)


def test_the_card_fields_have_no_name_and_point_at_the_gateway(settings):
    # covers: P1, P2
    settings.KOBAI_CARD_GATEWAY = "http"
    settings.KOBAI_CARD_GATEWAY_URL = "https://api.gateway.example"
    html = Template('<form method="post">{% include "payments/card_fields.html" %}</form>').render(Context({}))

    class Inputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inputs, self.root = [], None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input":
                self.inputs.append(attrs)
            if "data-card-fields" in attrs:
                self.root = attrs

    parser = Inputs()
    parser.feed(html)
    card_inputs = [i for i in parser.inputs if {"data-card-number", "data-card-expiry", "data-card-cvc"} & set(i)]
    assert len(card_inputs) == 3
    assert all("name" not in i for i in card_inputs)
    assert {i["autocomplete"] for i in card_inputs} == {"cc-number", "cc-exp", "cc-csc"}
    named = {i["name"] for i in parser.inputs if "name" in i}
    assert named == {
        "card_brand",
        "card_last4",
    }  # card_token is the order form's own field (card.js adds one if missing)
    assert parser.root["data-tokenize-url"] == "https://api.gateway.example/v1/tokens"
    assert parser.root["data-public-key"] == settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY
    assert "payments/card.js" in html


def test_the_log_filter_masks_card_shaped_numbers():
    # covers: P2
    assert redact("paid with 4111 1111 1111 1111 today") == "paid with [card ****1111] today"
    assert redact("3782-822463-10005") == "[card ****0005]"
    assert redact("order K202611-00042 on 2026-11-25, tel 03-1234-5678") == (
        "order K202611-00042 on 2026-11-25, tel 03-1234-5678"
    )
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "card %s refused", ("5555555555554444",), None)
    assert CardNumberFilter().filter(record) and record.getMessage() == "card [card ****4444] refused"
    console = django_settings.LOGGING["handlers"]["console"]
    assert "card_numbers" in console["filters"]
