"""Coupons and campaigns (P3): Oscar vouchers and offers reduce the tax-exclusive amount before tax."""

from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

import pytest
from oscar.core.loading import get_model
from oscar.test.factories import BenefitFactory, ConditionalOfferFactory, ConditionFactory
from oscar.test.factories.voucher import VoucherFactory

from tests.functional.test_checkout_approval import CODES, _checkout_data, _client, _fill

Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")
Product = get_model("catalogue", "Product")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
Range = get_model("offer", "Range")

pytestmark = pytest.mark.django_db


def test_a_coupon_reduces_the_amount_before_tax_and_is_recorded_on_the_order(members):
    # covers: P3, C2
    everything = Range.objects.create(name="全商品", slug="all-products-p3", includes_all_products=True)
    offer = ConditionalOfferFactory(
        name="新年度クーポン 15%オフ",
        offer_type=ConditionalOffer.VOUCHER,
        benefit=BenefitFactory(range=everything, type=Benefit.PERCENTAGE, value=15),
        condition=ConditionFactory(range=everything, type=Condition.COUNT, value=1),
    )
    voucher = VoucherFactory(code="KOBAI15")
    voucher.offers.add(offer)

    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    client.post("/shop/basket/vouchers/add/", {"code": "kobai15"})
    prices = {code: Product.objects.get(upc=code).stockrecords.get().price for code in CODES}
    net = sum(
        (prices[c] * q * Decimal("0.85")).quantize(Decimal("1"), rounding=ROUND_CEILING) for c, q in CODES.items()
    )
    tax = (net * Decimal("0.1")).quantize(Decimal("1"), rounding=ROUND_DOWN)

    basket_page = client.get("/shop/basket/").content.decode()
    assert f'data-amount="{net}"' in basket_page and f'data-amount="{net + tax}"' in basket_page
    client.post("/shop/checkout/", _checkout_data(client))
    order = Order.objects.get()
    assert (order.total_excl_tax, order.tax_total, order.total_incl_tax) == (net, tax, net + tax)
    discount = OrderDiscount.objects.get(order=order)
    assert discount.voucher_code == "KOBAI15" and discount.offer_name == "新年度クーポン 15%オフ"
    voucher.refresh_from_db()
    assert voucher.num_orders == 1
    before = sum(prices[c] * q for c, q in CODES.items())
    assert sum(line.line_price_before_discounts_excl_tax for line in order.lines.all()) == before
