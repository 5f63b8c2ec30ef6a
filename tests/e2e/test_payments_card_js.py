"""End-to-end: card.js tokenises in a real browser and our server receives the token, never the number (P1, P2).

A page with an order-like form and `payments/card_fields.html` is served by
this module's own URLconf (`pytest.mark.urls`), next to the card simulator
under /_sim/. Every request the browser makes is watched: the card number only
ever goes to the gateway's token endpoint.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

pytestmark = [pytest.mark.e2e, pytest.mark.urls(__name__)]

RECEIVED: list[dict] = []

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>注文</title></head><body>
<form method="post" action="/card-test/received/" class="order-form">
  <label><input type="radio" name="payment_method" value="invoice"> 請求書払い</label>
  <label><input type="radio" name="payment_method" value="card" checked> クレジットカード</label>
  <input type="hidden" name="card_token" value="">
  <input type="text" name="purchase_order_number" value="PO-1">
  {% include "payments/card_fields.html" %}
  <button type="submit">注文する</button>
</form>
</body></html>"""


def card_test_page(request):
    return HttpResponse(engines["django"].from_string(PAGE).render({}, request))


@csrf_exempt
def card_test_received(request):
    RECEIVED.append({key: request.POST.getlist(key) for key in request.POST})
    return HttpResponse('<p class="received">受け付けました</p>')


urlpatterns = [
    path("card-test/", card_test_page),
    path("card-test/received/", card_test_received),
    path("_sim/", include("shop.payments.simulator_urls")),
]


@pytest.fixture
def card_page(transactional_db, live_server, _e2e_module_env, page):
    _e2e_module_env["flushed"] = True  # transactional_db empties the tables: the module reloads the demo afterwards
    RECEIVED.clear()
    posted = []
    page.on("request", lambda r: posted.append((r.url, r.post_data or "")) if r.method == "POST" else None)
    page.goto(live_server.url + "/card-test/")
    return page, posted


def _fill(page, number, expiry=None, cvc="123"):
    page.locator("#card-number").fill(number)
    page.locator("#card-expiry").fill(expiry or f"12/{(date.today().year + 3) % 100:02d}")
    page.locator("#card-cvc").fill(cvc)


def test_the_browser_posts_the_card_to_the_gateway_and_only_the_token_to_us(card_page):
    # covers: P1, P2
    from playwright.sync_api import expect

    page, posted = card_page
    _fill(page, "3530 1113 3330 0000")
    expect(page.locator("[data-card-brand]")).to_have_text("JCB")
    page.get_by_role("button", name="注文する").click()
    expect(page.locator(".received")).to_have_text("受け付けました")

    assert len(RECEIVED) == 1
    received = RECEIVED[0]
    assert received["card_token"][0].startswith("tok_")
    assert received["card_brand"] == ["jcb"] and received["card_last4"] == ["0000"]
    assert received["purchase_order_number"] == ["PO-1"]
    assert not any(re.search(r"\d{12}", value) for values in received.values() for value in values)
    to_gateway = [body for url, body in posted if url.endswith("/_sim/card/v1/tokens")]
    assert len(to_gateway) == 1 and json.loads(to_gateway[0])["number"] == "3530111333300000"
    to_us = [body for url, body in posted if not url.endswith("/_sim/card/v1/tokens")]
    assert to_us and not any("3530" in re.sub(r"\D", "", body) for body in to_us)


def test_a_gateway_error_is_shown_in_japanese_and_nothing_is_submitted(card_page):
    # covers: P1
    from playwright.sync_api import expect

    page, _ = card_page
    _fill(page, "4111 1111 1111 1112")
    page.get_by_role("button", name="注文する").click()
    expect(page.locator("[data-card-error]")).to_have_text("カード番号が正しくありません。")
    _fill(page, "4111 1111 1111 1111", cvc="12")
    page.get_by_role("button", name="注文する").click()
    expect(page.locator("[data-card-error]")).to_have_text("セキュリティコードが正しくありません。")
    assert RECEIVED == []
    _fill(page, "4111 1111 1111 1111")
    page.get_by_role("button", name="注文する").click()
    expect(page.locator(".received")).to_be_visible()
    assert RECEIVED[0]["card_brand"] == ["visa"]


def test_paying_by_invoice_hides_the_card_fields_and_posts_no_token(card_page):
    # covers: P1
    from playwright.sync_api import expect

    page, posted = card_page
    page.get_by_label("請求書払い").check()
    expect(page.locator("[data-card-fields]")).to_be_hidden()
    page.get_by_role("button", name="注文する").click()
    expect(page.locator(".received")).to_be_visible()
    assert RECEIVED[0]["payment_method"] == ["invoice"] and RECEIVED[0]["card_token"] == [""]
    assert not [url for url, _ in posted if "/_sim/card/" in url]
