"""Issue 10: a single-use coupon gives one discount, however many checkouts race for it (P3, PostgreSQL).

50 members of one company each put the same single-use coupon in their own
basket and press 「注文する」 at the same moment, half paying by card and half
by deferred invoice. Exactly one order carries the discount; the other 49
are refused with the coupon message and leave nothing behind: no order, no
charge or partner check that is not voided, no number without its reason.

# covers: issue 10, P3, P1, P2, O4
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from uuid import uuid4

import pytest
from bs4 import BeautifulSoup
from django.db import connections
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from shop.addressbook import services as addressbook
from shop.billing.models import IssuedNumber
from shop.companies.models import CreditReservation, Member
from shop.demo.users import ensure_demo_credit_line
from shop.payments.models import Payment, SimCharge, SimTransaction
from tests.factories import CompanyFactory, MemberFactory
from tests.functional.test_checkout_approval import _card_token
from tests.helpers import load_demo_catalogue

Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")
Product = get_model("catalogue", "Product")
Basket = get_model("basket", "Basket")
Voucher = get_model("voucher", "Voucher")
VoucherApplication = get_model("voucher", "VoucherApplication")
ConditionalOffer = get_model("offer", "ConditionalOffer")
Benefit = get_model("offer", "Benefit")
Condition = get_model("offer", "Condition")
Range = get_model("offer", "Range")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
CODE = "MS-M365BS-1Y"
COUPON = "ONCE-ONLY-10"
REFUSED = f"クーポン「{COUPON}」"  # the coupon message: already used, refused under the coupon's row lock


@pytest.fixture(scope="module", autouse=True)
def _demo_again_after_the_last_flush(django_db_blocker):
    """transaction=True flushes every table after each test; later modules expect the demo catalogue."""
    yield
    with django_db_blocker.unblock():
        load_demo_catalogue()


@pytest.fixture(autouse=True)
def _demo(transactional_db):
    if not Product.objects.filter(upc=CODE).exists():  # flushed by an earlier transactional test
        load_demo_catalogue()


def _single_use_coupon() -> Voucher:
    everything = Range.objects.create(name="全商品", slug="race-all-products", includes_all_products=True)
    offer = ConditionalOffer.objects.create(
        name="先着1名 10%オフ",
        slug="race-once-only",
        offer_type=ConditionalOffer.VOUCHER,
        benefit=Benefit.objects.create(range=everything, type=Benefit.PERCENTAGE, value=10),
        condition=Condition.objects.create(range=everything, type=Condition.COUNT, value=1),
    )
    voucher = Voucher.objects.create(
        name="先着1名クーポン",
        code=COUPON,
        usage=Voucher.SINGLE_USE,
        start_datetime=timezone.now() - timedelta(days=1),
        end_datetime=timezone.now() + timedelta(days=30),
    )
    voucher.offers.add(offer)
    return voucher


def _form_template(client) -> dict:
    page = BeautifulSoup(client.get("/shop/checkout/").content, "html.parser")
    form = page.select_one("form.checkout-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data["delivery_address"] = form.select_one("input[name=delivery_address]")["value"]
    return data


def _buyers(company, voucher):
    """Each member with their own basket: one product and the coupon, and their own filled-in order form."""
    product = Product.objects.get(upc=CODE)
    buyers, template = [], None
    for index in range(THREADS):
        member = MemberFactory(company=company, has_ordering_authority=True, approval_route=Member.Route.NONE)
        client = Client()
        client.force_login(member.user)
        client.post(f"/shop/basket/add/{product.pk}/", {"quantity": 1})
        client.post("/shop/basket/vouchers/add/", {"code": COUPON})
        assert Basket.objects.get(owner=member.user, status=Basket.OPEN).vouchers.filter(pk=voucher.pk).exists()
        template = template or _form_template(client)  # the same company: the same form but for its key
        data = {**template, "submission_key": str(uuid4())}
        if index % 2:
            data.update(payment_method="invoice")
        else:
            data.update(payment_method="card", card_token=_card_token(client))
        buyers.append((client, data))
    return buyers


def _all_at_once(buyers):
    barrier = Barrier(len(buyers))

    def checkout(buyer):
        client, data = buyer
        try:
            barrier.wait()
            response = client.post("/shop/checkout/", data)
            return response.status_code, response.content.decode()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(buyers)) as pool:
        return list(pool.map(checkout, buyers))


def test_fifty_checkouts_racing_for_one_single_use_coupon_give_one_discount():
    # covers: issue 10, P3, P1, P2, O4
    company = ensure_demo_credit_line(CompanyFactory())  # screened by the partner's simulator: ¥3,000,000
    addressbook.create_from_company(member=MemberFactory(company=company, role="admin"))
    voucher = _single_use_coupon()
    outcomes = _all_at_once(_buyers(company, voucher))

    statuses = [status for status, _ in outcomes]
    assert not [status for status in statuses if status >= 500], statuses
    assert statuses.count(302) == 1 and statuses.count(409) == THREADS - 1, statuses
    assert all(REFUSED in page for status, page in outcomes if status == 409)

    order = Order.objects.get()
    assert OrderDiscount.objects.get(voucher_code=COUPON).order == order
    assert VoucherApplication.objects.get(voucher=voucher).order == order
    voucher.refresh_from_db()
    assert voucher.num_orders == 1
    assert order.total_excl_tax < Product.objects.get(upc=CODE).stockrecords.get().price  # discounted

    # the 49 refused attempts left nothing: every charge and partner check not voided belongs to the order
    payments = Payment.objects.all()
    assert payments.count() == THREADS
    assert list(payments.filter(order__isnull=False)) == [Payment.objects.get(order=order)]
    assert set(payments.filter(order__isnull=True).values_list("status", flat=True)) == {Payment.Status.CANCELLED}
    live_charges = SimCharge.objects.exclude(status="voided").values_list("reference", flat=True)
    live_checks = SimTransaction.objects.exclude(status="cancelled").values_list("reference", flat=True)
    assert set(live_charges) | set(live_checks) == {order.payment.reference}
    assert SimCharge.objects.count() + SimTransaction.objects.count() == THREADS
    assert list(CreditReservation.objects.filter(status=CreditReservation.Status.RESERVED)) == list(
        CreditReservation.objects.filter(order=order)
    )
    # and every order number taken is accounted for: one used, 49 gaps with their reason
    numbers = IssuedNumber.objects.filter(kind="order")
    assert numbers.count() == THREADS
    assert list(numbers.filter(state=IssuedNumber.State.USED).values_list("number", flat=True)) == [order.number]
    gaps = numbers.filter(state=IssuedNumber.State.VOID)
    assert gaps.count() == THREADS - 1 and all("OrderRefused" in gap.reason for gap in gaps)
