"""Pricing strategy: every shop price is tax-exclusive JPY (C2).

Consumption tax is not applied per unit here. Japan's qualified-invoice rules
round tax once per document and per rate, so tax is left "deferred" on
prices and computed for a whole basket, quote or order by
`shop.billing.tax.summarise`. Templates therefore always show `excl_tax`.
"""

from oscar.apps.partner import availability, strategy


class PreApplicationRequired(availability.Unavailable):
    """事前申請 products are never bought directly (C4, O2): an inquiry first, then a custom quote (Q5)."""

    code = "pre-application"
    message = "事前申請が必要な商品です"
    reason = "この商品はご購入前に事前申請が必要なため、カートに追加できません。商品ページの「事前申請」からお申し込みください。"

    def is_purchase_permitted(self, quantity):
        return False, self.reason


class JapanB2B(
    strategy.UseFirstStockRecord,
    strategy.StockRequired,
    strategy.DeferredTax,
    strategy.Structured,
):
    """First stock record, stock rules from the product class, tax deferred.

    A product past its end of sale (C5), or one that needs a pre-application
    (事前申請, C4/O2), cannot be bought: Oscar's basket form and checkout both
    ask this availability, so the refusal is server side.
    """

    def availability_policy(self, product, stockrecord):
        if getattr(product, "is_sale_ended", False):
            return availability.Unavailable()
        if getattr(product, "requires_pre_application", False):
            return PreApplicationRequired()
        return super().availability_policy(product, stockrecord)


class Selector:
    def strategy(self, request=None, user=None, **kwargs):
        return JapanB2B(request)
