"""Basket page, quote and 見積書 PDF agree to the yen on random baskets.

Hypothesis draws baskets of 1–8 catalogue products with random whole-yen
prices and quantities. For each, the basket page's totals, the quote made
from it and the totals printed in its PDF must be the same three numbers,
and equal to the tax rule computed independently here: tax is 10 % of the
tax-exclusive sum, rounded down once (never per line).
"""

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model
from pypdf import PdfReader

from shop.demo.users import ensure_demo_company
from shop.partner.strategy import Selector
from shop.quotes.models import Quote

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

POOL = 8
LABELS = ("小計(税抜)", "消費税(10%)", "合計(税込)")


def _pdf_totals(content: bytes) -> dict[str, Decimal]:
    import io

    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages))
    found = {}
    for label in LABELS:
        match = re.search(re.escape(label) + r"[:：]?¥([\d,]+)", text)
        assert match, (label, text)
        found[label] = Decimal(match.group(1).replace(",", ""))
    return found


baskets = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=POOL - 1),  # which product
        st.integers(min_value=1, max_value=2_000_000),  # its price today (yen, tax exclusive)
        st.integers(min_value=1, max_value=500),  # quantity
    ),
    min_size=1,
    max_size=POOL,
    unique_by=lambda line: line[0],
)


@pytest.fixture
def setup(client):
    company = ensure_demo_company()
    member = company.members.select_related("user").get(user__username="K0000001")
    client.force_login(member.user)
    products = list(
        Product.objects.filter(requires_pre_application=False, structure="standalone").order_by("upc")[:POOL]
    )
    return client, member, products


# covers: Q1, Q2, C2
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=baskets)
def test_basket_quote_and_pdf_totals_agree(setup, lines):
    client, member, products = setup
    basket, _ = Basket.open.get_or_create(owner=member.user)
    basket.strategy = Selector().strategy()
    basket.flush()
    for index, price, quantity in lines:
        StockRecord.objects.filter(product=products[index]).update(price=Decimal(price))
        basket.add_product(products[index], quantity)
    net = sum(Decimal(price * quantity) for _, price, quantity in lines)
    tax = Decimal(net * 10 // 100)  # whole yen: floor(net × 10 %) once
    expected = {"小計(税抜)": net, "消費税(10%)": tax, "合計(税込)": net + tax}

    page = BeautifulSoup(client.get("/shop/basket/").content, "html.parser")
    shown = {tr.th.get_text(strip=True): Decimal(tr.td["data-amount"]) for tr in page.select("#basket_totals tr")}
    assert shown == expected

    form = page.select_one("form.quote-create")
    response = client.post(form["action"], {"submission_key": form.select_one("[name=submission_key]")["value"]})
    quote = Quote.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert {"小計(税抜)": quote.subtotal, "消費税(10%)": quote.tax, "合計(税込)": quote.total} == expected

    assert _pdf_totals(client.get(f"/shop/quotes/{quote.number}/pdf/").content) == expected
