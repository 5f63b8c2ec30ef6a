"""The buyer sees when the invoice is issued and when a deferred invoice is due (P4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup

from shop.order import fulfilment
from shop.order import status as order_status
from tests.order_factories import make_order

pytestmark = pytest.mark.django_db


def test_order_history_shows_invoice_date_and_due_date_after_delivery(client, members, admin_user):
    # covers: P4, O6
    admin = members["K0000001"]
    invoice_order = make_order(member=admin, payment_method="invoice")
    card_order = make_order(member=admin, payment_method="card")
    client.force_login(admin.user)
    page = BeautifulSoup(client.get("/shop/orders/").content, "html.parser")
    assert not page.select_one(".invoice-on").get_text(strip=True)  # not delivered yet: no dates

    # delivered late on 20 April 2027 (Japan time): May 2027 starts with Golden Week
    with time_machine.travel(datetime(2027, 4, 20, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo")), tick=False):
        for order in (invoice_order, card_order):
            fulfilment.move(order=order, to=order_status.DELIVERED, by=admin_user)

    client.force_login(admin.user)
    page = BeautifulSoup(client.get("/shop/orders/").content, "html.parser")
    rows = {row.select_one("a").get_text(): row for row in page.select(".orders-table tbody tr")}
    invoice_row, card_row = rows[invoice_order.number], rows[card_order.number]
    assert invoice_row.select_one(".invoice-on").get_text() == "2027/05/10"
    assert invoice_row.select_one(".due-on").get_text() == "2027/05/31"
    assert card_row.select_one(".due-on").get_text() == "カード決済"
    detail = BeautifulSoup(client.get(f"/shop/orders/{invoice_order.number}/").content, "html.parser")
    assert detail.select_one(".invoice-on").get_text() == "2027年5月10日"
    assert detail.select_one(".due-on").get_text() == "2027年5月31日"


def test_order_history_queries_do_not_grow_with_the_orders(client, members, django_assert_max_num_queries):
    # covers: O6
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = members["K0000001"]
    client.force_login(admin.user)
    make_order(member=admin)
    client.get("/shop/orders/")  # warm the session and the basket
    with CaptureQueriesContext(connection) as one:
        client.get("/shop/orders/")
    for _ in range(6):
        make_order(member=admin)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/shop/orders/")
