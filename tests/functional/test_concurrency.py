"""Concurrent ordering on PostgreSQL (O4, P2): row locks, not luck.

50 threads post 「注文する」 for the same basket at once: exactly one order
and one credit reservation, and no server error. 50 members of one company
each order 10 % of its credit line at once: exactly 10 are accepted.
"""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier
from uuid import uuid4

import pytest
from bs4 import BeautifulSoup
from django.db import connections
from django.test import Client
from oscar.core.loading import get_model

from shop.addressbook import services as addressbook
from shop.companies.models import CreditReservation, Member
from shop.demo.users import ensure_demo_credit_line
from tests.factories import CompanyFactory, MemberFactory
from tests.helpers import load_demo_catalogue

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
CODE = "MS-M365BS-1Y"


@pytest.fixture(scope="module", autouse=True)
def _demo_again_after_the_last_flush(django_db_blocker):
    """transaction=True flushes every table after each test; later modules expect the demo catalogue."""
    yield
    with django_db_blocker.unblock():
        load_demo_catalogue()


@pytest.fixture(autouse=True)
def _demo(transactional_db):
    if not Product.objects.filter(upc=CODE).exists():  # flushed by the previous test
        load_demo_catalogue()


def _member_with_basket(company):
    member = MemberFactory(company=company, has_ordering_authority=True, approval_route=Member.Route.NONE)
    client = Client()
    client.force_login(member.user)
    client.post(f"/shop/basket/add/{Product.objects.get(upc=CODE).pk}/", {"quantity": 1})
    page = BeautifulSoup(client.get("/shop/checkout/").content, "html.parser")
    form = page.select_one("form.checkout-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data.update(delivery_address=form.select_one("input[name=delivery_address]")["value"], payment_method="invoice")
    return client, data


def _all_at_once(calls):
    barrier = Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _post(client, data):
    return lambda: client.post("/shop/checkout/", data).status_code


def test_fifty_simultaneous_submits_of_one_basket_make_one_order():
    # covers: O4, P2
    company = ensure_demo_credit_line(CompanyFactory())  # screened by the payment partner (simulator)
    addressbook.create_from_company(member=MemberFactory(company=company, role="admin"))
    client, data = _member_with_basket(company)
    cookies = client.cookies
    calls = []
    for index in range(THREADS):
        twin = Client()
        twin.cookies = cookies
        # double clicks resend the same form; reloads and other tabs carry a new key
        calls.append(_post(twin, data if index % 2 else {**data, "submission_key": str(uuid4())}))
    statuses = _all_at_once(calls)
    assert not [code for code in statuses if code >= 500], statuses
    assert Order.objects.count() == 1
    assert CreditReservation.objects.count() == 1


def test_fifty_members_ordering_a_tenth_of_the_credit_line_each_get_ten_accepted():
    # covers: P2
    product = Product.objects.get(upc=CODE)
    record = product.stockrecords.get()
    record.price = Decimal("10000")
    record.save()
    company = ensure_demo_credit_line(CompanyFactory())
    company.credit_limit = Decimal("110000")  # ten orders of ¥11,000 (税込)
    company.save()
    addressbook.create_from_company(member=MemberFactory(company=company, role="admin"))
    buyers = [_member_with_basket(company) for _ in range(THREADS)]
    statuses = _all_at_once([_post(client, data) for client, data in buyers])
    assert not [code for code in statuses if code >= 500], statuses
    assert statuses.count(302) == 10 and statuses.count(409) == THREADS - 10
    assert Order.objects.filter(company=company).count() == 10
    held = sum(r.amount for r in CreditReservation.objects.filter(company=company))
    assert held == Decimal("110000")
