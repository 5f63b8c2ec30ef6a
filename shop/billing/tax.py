"""Consumption tax (消費税) for one document: basket, quote, order or invoice.

Rule (Japan's qualified-invoice system, インボイス制度): tax is computed once per
document and per tax rate, on the sum of the tax-exclusive line amounts of
that rate, and any fraction of a yen is rounded down (切り捨て) once. Rounding
per line or per unit is not allowed, because it lets totals drift by a yen
per line. Every screen and document calls `summarise`, so they can never
disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

STANDARD_RATE = Decimal("0.10")
REDUCED_RATE = Decimal("0.08")
YEN = Decimal("1")


@dataclass(frozen=True)
class TaxableLine:
    """A tax-exclusive line amount (unit price × quantity, after discounts)."""

    amount: Decimal
    rate: Decimal = STANDARD_RATE


@dataclass(frozen=True)
class RateTotal:
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def percent(self) -> int:
        return int(self.rate * 100)

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class TaxSummary:
    rates: tuple[RateTotal, ...]

    @property
    def net(self) -> Decimal:
        return sum((r.net for r in self.rates), Decimal("0"))

    @property
    def tax(self) -> Decimal:
        return sum((r.tax for r in self.rates), Decimal("0"))

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def rate_for(product: object | None = None) -> Decimal:
    """The tax rate of a product. IT goods and licences are all standard rate."""
    return STANDARD_RATE


def tax_on(*, net: Decimal, rate: Decimal) -> Decimal:
    """Tax on one rate's total, rounded down to the yen once."""
    return (net * rate).quantize(YEN, rounding=ROUND_DOWN)


def summarise(lines: Iterable[TaxableLine]) -> TaxSummary:
    """Group the lines by rate, total each group, tax each total once."""
    nets: dict[Decimal, Decimal] = {}
    for line in lines:
        nets[line.rate] = nets.get(line.rate, Decimal("0")) + Decimal(line.amount)
    return TaxSummary(
        rates=tuple(
            RateTotal(rate=rate, net=net, tax=tax_on(net=net, rate=rate))
            for rate, net in sorted(nets.items(), reverse=True)
        )
    )


def basket_line_amount(line) -> Decimal:
    """A basket line's tax-exclusive amount after discounts, in whole yen.

    Oscar computes discounts to the sen; a discount never gives away a
    fraction of a yen, so the amount is rounded up to the yen (the discount down).
    """
    return Decimal(line.line_price_excl_tax_incl_discounts).quantize(YEN, rounding=ROUND_CEILING)


def summarise_basket(basket) -> TaxSummary:
    """The tax summary of an Oscar basket, from its discounted line prices."""
    return summarise(
        TaxableLine(amount=basket_line_amount(line), rate=rate_for(line.product))
        for line in basket.all_lines()
        if line.line_price_excl_tax_incl_discounts is not None
    )
