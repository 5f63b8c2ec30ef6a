"""見積 from the basket (Q1) and 見積履歴 (Q2)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from oscar.core.loading import get_model

from shop.billing import tax
from shop.demo.users import ensure_demo_company
from shop.quotes.models import Quote

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

CODES = ["MS-M365BS-1Y", "TM-VBBS-1Y-N", "FT-FG40F-HW"]


@pytest.fixture
def members():
    company = ensure_demo_company()
    return {m.user.username: m for m in company.members.select_related("user")}


def _fill_basket(client):
    for quantity, code in enumerate(CODES, start=1):
        product = Product.objects.get(upc=code)
        client.post(f"/shop/basket/add/{product.pk}/", {"quantity": quantity})


def test_quote_from_basket_has_number_validity_tax_and_empties_the_basket(client, members):
    # covers: Q1
    client.force_login(members["K0000004"].user)
    _fill_basket(client)
    basket_page = BeautifulSoup(client.get("/shop/basket/").content, "html.parser")
    form = basket_page.select_one("form.quote-create")
    key = form.select_one("input[name=submission_key]")["value"]
    response = client.post(form["action"], {"submission_key": key})
    assert response.status_code == 302
    again = client.post(form["action"], {"submission_key": key})  # the same form sent twice
    assert again["Location"] == response["Location"] and Quote.objects.count() == 1
    quote = Quote.objects.get()
    assert re.fullmatch(r"Q\d{6}-\d{5}", quote.number)
    assert quote.valid_until - quote.issued_at == timedelta(days=7)
    expected = tax.summarise(
        tax.TaxableLine(amount=Product.objects.get(upc=c).stockrecords.get().price * q) for q, c in enumerate(CODES, 1)
    )
    assert (quote.subtotal, quote.tax, quote.total) == (expected.net, expected.tax, expected.gross)
    assert client.get("/shop/basket/").context["basket"].num_lines == 0
    detail = BeautifulSoup(client.get(response["Location"]).content, "html.parser")
    assert [c.get_text() for c in detail.select(".quote-lines code")] == CODES
    amounts = {tr.th.get_text(strip=True): Decimal(tr.td["data-amount"]) for tr in detail.select(".totals-table tr")}
    assert amounts == {"小計(税抜)": expected.net, "消費税(10%)": expected.tax, "合計(税込)": expected.gross}


def test_history_is_company_wide(client, members):
    # covers: Q2
    client.force_login(members["K0000004"].user)
    _fill_basket(client)
    client.post("/shop/quotes/create/", {})
    number = Quote.objects.get().number
    client.force_login(members["K0000002"].user)
    assert number in client.get("/shop/quotes/").content.decode()
    assert client.get(f"/shop/quotes/{number}/").status_code == 200


def test_empty_basket_makes_no_quote(client, members):
    # covers: Q1
    client.force_login(members["K0000004"].user)
    response = client.post("/shop/quotes/create/", {}, follow=True)
    assert "カートに商品がありません" in response.content.decode() and not Quote.objects.exists()
