"""Consumption tax (消費税) for one document: basket, quote, order or invoice.

Rule (Japan's qualified-invoice system, インボイス制度): tax is computed once per
document and per tax rate, on the sum of the tax-exclusive line amounts of
that rate, and any fraction of a yen is rounded down (切り捨て) once. Rounding
per line or per unit is not allowed, because it lets totals drift by a yen
per line. Every screen and document calls `summarise`, so they can never
disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import TypeVar

STANDARD_RATE = Decimal("0.10")
REDUCED_RATE = Decimal("0.08")
YEN = Decimal("1")
K = TypeVar("K")


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


def share_yen(total: Decimal, weights: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Split a whole-yen `total` in proportion to `weights`, in whole yen that add up to `total` exactly.

    Used to name the discount behind each yen a line was reduced by: Oscar
    computes an offer's discount to the sen, while lines are reduced in whole
    yen (`basket_line_amount`). Each share is rounded down and the yen left
    over go to the largest remainders (ties in the order of `weights`), so
    discount lines on a document always add up to the lines' reduction.
    """
    total = Decimal(total)
    keys = list(weights)
    if not keys or total <= 0:
        return {key: Decimal("0") for key in keys}
    weight_sum = sum((Decimal(weights[key]) for key in keys), Decimal("0"))
    if weight_sum <= 0:  # nothing to go by: all to the first
        return {key: (total if index == 0 else Decimal("0")) for index, key in enumerate(keys)}
    exact = {key: total * Decimal(weights[key]) / weight_sum for key in keys}
    shares = {key: exact[key].quantize(YEN, rounding=ROUND_DOWN) for key in keys}
    left = int(total - sum(shares.values(), Decimal("0")))
    by_remainder = sorted(keys, key=lambda key: (-(exact[key] - shares[key]), keys.index(key)))
    for key in by_remainder[:left]:
        shares[key] += YEN
    return shares
