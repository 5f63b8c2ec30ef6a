"""Only staff cancel an order (O5): with a reason, the credit goes back (P2) and the buyer is told."""

from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from shop.companies import credit
from shop.companies.models import CreditReservation
from shop.notifications.models import OutboundEmail
from shop.order import cancellation
from tests.functional.test_checkout_approval import _checkout_data, _client, _fill

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def test_staff_cancel_releases_the_credit_and_tells_the_buyer(members, admin_user):
    # covers: O5, P2
    buyer = members["K0000001"]
    client = _client(buyer)
    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client))
    order = Order.objects.get()
    company = buyer.company
    assert credit.remaining(company=company) == company.credit_limit - order.total_incl_tax

    with pytest.raises(cancellation.CancelRefused):
        cancellation.cancel(order=order, by=buyer.user, reason="不要になった")  # buyers cannot cancel
    with pytest.raises(cancellation.CancelRefused):
        cancellation.cancel(order=order, by=admin_user, reason=" ")  # a reason is required
    cancellation.cancel(order=order, by=admin_user, reason="メーカー側で販売が終了したため")

    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "メーカー側で販売が終了したため"
    assert CreditReservation.objects.get(order=order).status == "released"
    assert credit.remaining(company=company) == company.credit_limit
    mail = OutboundEmail.objects.filter(subject__contains="キャンセル").get()
    assert mail.to == [buyer.user.email] and order.number in mail.subject and "販売が終了" in mail.body
    page = client.get(f"/shop/orders/{order.number}/").content.decode()
    assert "キャンセル" in page and "/cancel" not in page  # no buyer cancel button (O5)
    with pytest.raises(cancellation.CancelRefused):
        cancellation.cancel(order=order, by=admin_user, reason="二重")  # already cancelled
    assert credit.remaining(company=company) == company.credit_limit == Decimal("3000000")
