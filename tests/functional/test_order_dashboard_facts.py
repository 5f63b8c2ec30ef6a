"""The 受注管理 order page shows what staff act on (S1, O3, issue 10/11): the payment's state and the 申請書類.

Billing waits on the payment (an invoice under review cannot be delivered), so
staff see its state, and a partner call still to be made. The buyer's
application documents are listed on the order with a download link for staff
who may open them.
"""

import pytest
from bs4 import BeautifulSoup

from shop.attachments import services as attachment_services
from shop.payments.models import Payment
from tests.functional.test_attachments import store
from tests.order_factories import make_order, staff_client

pytestmark = pytest.mark.django_db


def _facts(client, order) -> BeautifulSoup:
    response = client.get(f"/shop/dashboard/b2b-orders/{order.number}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_the_order_page_lists_the_documents_with_a_working_download_and_the_payment_state(members, django_user_model):
    # covers: S1, O3, P2
    buyer = members["K0000001"]
    order = make_order(member=buyer)
    document = store(buyer, name="稟議書.pdf")
    attachment_services.attach(attachments=[document], order=order)
    client, _ = staff_client(django_user_model)

    page = _facts(client, order)
    link = page.select_one(".order-documents a")
    assert link.get_text(strip=True) == "稟議書.pdf"
    download = client.get(link["href"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    payment = Payment.objects.get(order=order)
    assert page.select_one(".order-payment-state").get_text(strip=True) == payment.get_status_display()

    Payment.objects.filter(pk=payment.pk).update(action=Payment.Action.FIX)  # 売上確定 not yet taken by the partner
    assert _facts(client, order).select_one(".order-payment-state .badge") is not None


def test_an_order_without_documents_says_so(members, django_user_model):
    # covers: S1, O3
    order = make_order(member=members["K0000001"])
    client, _ = staff_client(django_user_model)
    page = _facts(client, order)
    assert page.select_one(".order-documents").get_text(strip=True) == "—"
    assert page.select_one(".order-documents a") is None
