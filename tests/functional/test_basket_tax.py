"""The basket shows 小計(税抜), 消費税(10%), 合計(税込) from the one tax module (C2)."""

from decimal import ROUND_DOWN, Decimal

import pytest
from bs4 import BeautifulSoup
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


def _rows(html):
    soup = BeautifulSoup(html, "html.parser")
    return {
        tr.th.get_text(strip=True): Decimal(tr.td["data-amount"])
        for tr in soup.select("#basket_totals tr")
        if tr.td.has_attr("data-amount")
    }


def test_basket_taxes_the_total_once_not_each_line(client):
    # covers: C2
    # two products whose tax each has a fraction ≥ 0.5 yen: per-line rounding would lose a yen
    candidates = [
        p
        for p in Product.objects.browsable().filter(requires_pre_application=False).prefetch_related("stockrecords")
        if int(p.stockrecords.all()[0].price) % 10 >= 5
    ]
    first, second = candidates[:2]
    for product in (first, second):
        response = client.post(f"/shop/basket/add/{product.pk}/", {"quantity": 1})
        assert response.status_code == 302
    prices = [first.stockrecords.get().price, second.stockrecords.get().price]
    net = sum(prices)
    rows = _rows(client.get("/shop/basket/").content)
    assert rows["小計(税抜)"] == net
    expected_tax = (net * Decimal("0.10")).quantize(Decimal("1"), rounding=ROUND_DOWN)
    per_line = sum((p * Decimal("0.10")).quantize(Decimal("1"), rounding=ROUND_DOWN) for p in prices)
    assert expected_tax == per_line + 1
    assert rows["消費税(10%)"] == expected_tax
    assert rows["合計(税込)"] == net + expected_tax
