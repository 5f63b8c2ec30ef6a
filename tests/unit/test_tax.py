"""Consumption tax per document and rate, rounded down once (C2; reused by Q1, P5)."""

from decimal import ROUND_DOWN, Decimal

import pytest

from shop.billing import tax

# covers: C2


def per_line_tax(amounts, rate=tax.STANDARD_RATE):
    """What a shop that rounds on every line would charge (not allowed)."""
    return sum((Decimal(a) * rate).quantize(Decimal("1"), rounding=ROUND_DOWN) for a in amounts)


def test_one_rounding_per_document_differs_from_per_line_rounding():
    amounts = [Decimal("1995"), Decimal("1995")]  # 199.5 + 199.5
    summary = tax.summarise(tax.TaxableLine(amount=a) for a in amounts)
    assert summary.net == Decimal("3990")
    assert summary.tax == Decimal("399")  # 399.0 on the total
    assert per_line_tax(amounts) == Decimal("398")  # 199 + 199: a yen short
    assert summary.gross == Decimal("4389")


def test_fraction_is_rounded_down_not_half_up():
    summary = tax.summarise([tax.TaxableLine(amount=Decimal("10789"))])
    assert summary.tax == Decimal("1078")  # 1078.9 → 1078
    assert summary.gross == Decimal("11867")


def test_each_rate_is_totalled_and_rounded_separately():
    lines = [
        tax.TaxableLine(amount=Decimal("1001"), rate=tax.STANDARD_RATE),
        tax.TaxableLine(amount=Decimal("999"), rate=tax.STANDARD_RATE),
        tax.TaxableLine(amount=Decimal("1013"), rate=tax.REDUCED_RATE),
    ]
    summary = tax.summarise(lines)
    assert [(r.percent, r.net, r.tax) for r in summary.rates] == [
        (10, Decimal("2000"), Decimal("200")),
        (8, Decimal("1013"), Decimal("81")),  # 81.04 → 81
    ]
    assert summary.tax == Decimal("281")
    assert summary.net == Decimal("3013")


def test_empty_document_has_no_tax():
    summary = tax.summarise([])
    assert summary.rates == ()
    assert summary.net == summary.tax == summary.gross == 0


@pytest.mark.parametrize("net", ["0", "9", "10", "99999999"])
def test_tax_never_exceeds_exact_amount(net):
    t = tax.tax_on(net=Decimal(net), rate=tax.STANDARD_RATE)
    assert t <= Decimal(net) * tax.STANDARD_RATE < t + 1
