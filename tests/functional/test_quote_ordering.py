"""Ordering from a quote: validity to the minute, kept prices, 再見積, resale, re-order rules.

The clock is frozen with time-machine; the buyer acts through the same pages
and forms a browser would post.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.utils import timezone
from oscar.core.loading import get_model

from shop.billing import tax
from shop.notifications.models import OutboundEmail
from shop.quotes import custom
from shop.quotes.models import Quote

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

CODES = ["MS-M365BS-1Y", "TM-VBBS-1Y-N", "FT-FG40F-HW"]


def _price(code):
    return Product.objects.get(upc=code).stockrecords.get().price


def _set_price(code, price):
    record = Product.objects.get(upc=code).stockrecords.get()
    record.price = Decimal(price)
    record.save()


def _form(client, path, selector):
    page = BeautifulSoup(client.get(path).content, "html.parser")
    form = page.select_one(selector)
    assert form is not None, f"no {selector} on {path}"
    data = {
        i["name"]: i.get("value", "") for i in form.select("input[name]") if i.get("type") not in ("checkbox", "radio")
    }
    data.update({i["name"]: i["value"] for i in form.select("input[type=radio][checked]")})
    return form, data


def _make_quote(client, codes=CODES, **extra):
    for quantity, code in enumerate(codes, start=1):
        client.post(f"/shop/basket/add/{Product.objects.get(upc=code).pk}/", {"quantity": quantity})
    form, data = _form(client, "/shop/basket/", "form.quote-create")
    response = client.post(form["action"], {**data, **extra})
    assert response.status_code == 302
    return Quote.objects.order_by("-pk").first(), response


def _order(client, quote, **fields):
    form, data = _form(client, f"/shop/quotes/{quote.number}/order/", "form.quote-order-form")
    return client.post(f"/shop/quotes/{quote.number}/order/", {**data, **fields})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_valid_quote_orders_at_its_prices_after_a_price_rise(client, members):
    # covers: Q3, Q4, C7
    requester = members["K0000004"]
    client.force_login(requester.user)
    quote, _ = _make_quote(client)
    quoted = {line.code: line.unit_price for line in quote.lines.all()}
    for code in CODES:
        _set_price(code, (_price(code) * Decimal("1.2")).quantize(Decimal("1")))  # a maker price revision
    with time_machine.travel(quote.issued_at + timedelta(days=6, hours=23), tick=False):
        client.force_login(requester.user)
        response = _order(client, quote, purchase_order_number="PO-2026-118", comment="月末までに納品希望")
    assert response.status_code == 302, _messages(response)
    order = Order.objects.get(quote=quote)
    assert response["Location"] == f"/shop/orders/{order.number}/"
    assert {line.upc: line.unit_price_excl_tax for line in order.lines.all()} == quoted
    assert (order.total_excl_tax, order.tax_total, order.total_incl_tax) == (quote.subtotal, quote.tax, quote.total)
    assert order.company == requester.company and order.purchase_order_number == "PO-2026-118"
    assert order.status == "awaiting-approval"  # the requester's route needs two approvals (M7)
    # the basket and new quotes use the new prices (C7)
    new_quote, _ = _make_quote(client, codes=CODES[:1])
    assert new_quote.lines.get().unit_price == _price(CODES[0])


def test_expired_quote_is_refused_and_requote_gives_todays_prices(client, members):
    # covers: Q3, C7
    requester = members["K0000004"]
    client.force_login(requester.user)
    quote, _ = _make_quote(client)
    _set_price(CODES[0], _price(CODES[0]) + 1000)
    _, order_form = _form(client, f"/shop/quotes/{quote.number}/order/", "form.quote-order-form")
    with time_machine.travel(quote.issued_at + timedelta(days=7), tick=False):
        client.force_login(requester.user)
        page = BeautifulSoup(client.get(f"/shop/quotes/{quote.number}/").content, "html.parser")
        assert page.select_one("a[href$='/order/']") is None and "期限切れ" in page.get_text()
        refused = client.post(f"/shop/quotes/{quote.number}/order/", order_form)  # the page was left open
        assert refused.status_code == 302 and not Order.objects.exists()
        assert any("有効期限" in m and "再見積" in m for m in _messages(refused))
        form = page.select_one("form.requote")
        response = client.post(
            form["action"], {"submission_key": form.select_one("input[name=submission_key]")["value"]}
        )
        again = client.post(form["action"], {"submission_key": form.select_one("input[name=submission_key]")["value"]})
    new = Quote.objects.get(requoted_from=quote)
    assert response["Location"] == again["Location"] == f"/shop/quotes/{new.number}/"
    assert {line.code: line.unit_price for line in new.lines.all()} == {code: _price(code) for code in CODES}
    assert [line.quantity for line in new.lines.all()] == [1, 2, 3]
    expected = tax.summarise(tax.TaxableLine(amount=line.amount) for line in new.lines.all())
    assert (new.subtotal, new.tax, new.total) == (expected.net, expected.tax, expected.gross)
    assert new.valid_until - new.issued_at == timedelta(days=7)


def test_a_quote_orders_once_and_a_double_submit_makes_one_order(client, members):
    # covers: O4, Q4
    admin = members["K0000001"]  # no approval route: accepted at once
    client.force_login(admin.user)
    quote, _ = _make_quote(client)
    form, data = _form(client, f"/shop/quotes/{quote.number}/order/", "form.quote-order-form")
    path = f"/shop/quotes/{quote.number}/order/"
    first = client.post(path, data)
    second = client.post(path, data)
    assert first["Location"] == second["Location"] and Order.objects.count() == 1
    order = Order.objects.get()
    assert order.status == "accepted"
    mails = [m for m in OutboundEmail.objects.all() if "ご注文を受付しました" in m.subject]
    assert len(mails) == 1 and order.number in mails[0].subject and order.number in mails[0].body
    page = BeautifulSoup(client.get(path).content, "html.parser")
    assert page.select_one("form.quote-order-form") is None and order.number in page.get_text()  # ordered once
    third = client.post(path, {**data, "submission_key": "6f7b0c1e-9d7a-4a55-8a55-3a1c7e3a7d10"})  # another tab
    assert any("注文済み" in m for m in _messages(third)) and Order.objects.count() == 1


def test_resale_needs_an_end_user_at_quote_and_at_order(client, members):
    # covers: Q6
    client.force_login(members["K0000001"].user)
    client.post(f"/shop/basket/add/{Product.objects.get(upc=CODES[0]).pk}/", {"quantity": 1})
    form, data = _form(client, "/shop/basket/", "form.quote-create")
    refused = client.post(form["action"], {**data, "for_resale": "1", "end_user_name": "  "})
    assert not Quote.objects.exists() and any("エンドユーザー" in m for m in _messages(refused))
    assert client.get("/shop/basket/").context["basket"].num_lines == 1  # nothing lost
    client.post(form["action"], {**data, "for_resale": "1", "end_user_name": "株式会社エンド"})
    quote = Quote.objects.get()
    assert quote.for_resale and quote.end_user_name == "株式会社エンド"
    response = _order(client, quote, for_resale="on", end_user_name="")
    assert response.status_code == 200 and not Order.objects.exists()
    assert "エンドユーザー" in response.content.decode()
    _order(client, quote, for_resale="on", end_user_name="株式会社エンド")
    assert Order.objects.get().end_user_name == "株式会社エンド"


def test_a_resale_restricted_product_cannot_be_quoted_or_ordered_for_resale(client, members):
    # covers: Q6
    Product.objects.filter(upc=CODES[1]).update(resale_restricted=True)
    client.force_login(members["K0000001"].user)
    quote, _ = _make_quote(client)  # not for resale: fine
    refused = _order(client, quote, for_resale="on", end_user_name="株式会社エンド")
    assert not Order.objects.exists()
    assert any("再販売が制限" in m and "お問い合わせ" in m for m in _messages(refused))
    for code in CODES:
        client.post(f"/shop/basket/add/{Product.objects.get(upc=code).pk}/", {"quantity": 1})
    form, data = _form(client, "/shop/basket/", "form.quote-create")
    again = client.post(form["action"], {**data, "for_resale": "1", "end_user_name": "株式会社エンド"})
    assert Quote.objects.count() == 1
    title = Product.objects.get(upc=CODES[1]).get_title()
    assert any(title in m and "再販売が制限" in m for m in _messages(again))
    _order(client, quote)  # the same quote, not for resale, is accepted
    assert Order.objects.count() == 1


def _custom_quote(company, staff):
    """A custom quote as staff issue it: one catalogue line at an agreed price, one free-text line."""
    return custom.create_custom_quote(
        company=company,
        staff_user=staff,
        valid_until=timezone.now() + timedelta(days=30),
        lines=[
            custom.CatalogueLine(product=Product.objects.get(upc=CODES[0]), quantity=3, unit_price=Decimal("9000")),
            custom.FreeTextLine(
                name="導入支援サービス（リモート）", maker_name="当店", unit_price=Decimal("55555"), quantity=1,
                note="2時間×2回",
            ),
        ],
    )  # fmt: skip


def test_custom_quote_with_a_free_text_line_orders_and_never_reorders(client, members, admin_user):
    # covers: Q5, O6
    admin = members["K0000001"]
    quote = _custom_quote(admin.company, admin_user)
    client.force_login(admin.user)
    _order(client, quote, purchase_order_number="PO-77")
    order = Order.objects.get(quote=quote)
    lines = {line.title: line for line in order.lines.all()}
    service = lines["導入支援サービス（リモート）"]
    assert service.product is None and service.unit_price_excl_tax == Decimal("55555") and service.note == "2時間×2回"
    assert all(line.from_custom_quote for line in lines.values())
    expected = tax.summarise([tax.TaxableLine(amount=Decimal("27000")), tax.TaxableLine(amount=Decimal("55555"))])
    assert (order.total_excl_tax, order.tax_total, order.total_incl_tax) == (
        expected.net,
        expected.tax,
        expected.gross,
    )
    page = BeautifulSoup(client.get(f"/shop/orders/{order.number}/").content, "html.parser")
    assert page.select_one("form.reorder") is None and "ご利用いただけません" in page.get_text()
    response = client.post(f"/shop/orders/{order.number}/reorder/")  # even posted by hand
    assert client.get("/shop/basket/").context["basket"].num_lines == 0
    assert sum("個別見積" in m for m in _messages(response)) == 2


def test_reorder_skips_ended_products_with_a_message(client, members):
    # covers: O6, C5
    admin = members["K0000001"]
    client.force_login(admin.user)
    quote, _ = _make_quote(client)
    _order(client, quote)
    order = Order.objects.get()
    ended = Product.objects.get(upc=CODES[2])
    Product.objects.filter(pk=ended.pk).update(sale_ends_at=quote.issued_at)
    response = client.post(f"/shop/orders/{order.number}/reorder/")
    assert response["Location"] == "/shop/basket/"
    basket = client.get("/shop/basket/").context["basket"]
    assert sorted((line.product.upc, line.quantity) for line in basket.all_lines()) == [(CODES[0], 1), (CODES[1], 2)]
    assert any(ended.get_title() in m and "販売終了" in m for m in _messages(response))


def test_the_basket_is_kept_across_logout(client, members):
    # covers: O1, O2
    user = members["K0000004"].user
    client.force_login(user)
    for code in CODES:
        client.post(f"/shop/basket/add/{Product.objects.get(upc=code).pk}/", {"quantity": 2})
    client.post("/shop/accounts/logout/")
    assert client.get("/shop/basket/").context["basket"].num_lines == 0  # the anonymous visitor sees none of it
    client.force_login(user)
    basket = client.get("/shop/basket/").context["basket"]
    assert sorted((line.product.upc, line.quantity) for line in basket.all_lines()) == sorted((c, 2) for c in CODES)


def test_the_order_history_is_company_wide(client, members):
    # covers: O6
    client.force_login(members["K0000001"].user)
    quote, _ = _make_quote(client)
    _order(client, quote)
    order = Order.objects.get()
    client.force_login(members["K0000002"].user)
    page = BeautifulSoup(client.get("/shop/orders/").content, "html.parser")
    assert [a.get_text() for a in page.select(".orders-table a")] == [order.number]
    detail = BeautifulSoup(client.get(f"/shop/orders/{order.number}/").content, "html.parser")
    assert [c.get_text() for c in detail.select(".order-lines code")] == CODES
