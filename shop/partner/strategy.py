"""Pricing strategy: every shop price is tax-exclusive JPY (C2).

Consumption tax is not applied per unit here. Japan's qualified-invoice rules
round tax once per document and per rate, so tax is left "deferred" on
prices and computed for a whole basket, quote or order by
`shop.billing.tax.summarise`. Templates therefore always show `excl_tax`.
"""

from oscar.apps.partner import availability, strategy


class JapanB2B(
    strategy.UseFirstStockRecord,
    strategy.StockRequired,
    strategy.DeferredTax,
    strategy.Structured,
):
    """First stock record, stock rules from the product class, tax deferred.

    A product past its end of sale (C5) cannot be bought: Oscar's basket form
    and checkout both ask this availability, so the refusal is server side.
    """

    def availability_policy(self, product, stockrecord):
        if getattr(product, "is_sale_ended", False):
            return availability.Unavailable()
        return super().availability_policy(product, stockrecord)


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        return JapanB2B(request)
