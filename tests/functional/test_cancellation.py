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


def test_oscars_order_pages_lead_to_ours_so_no_status_can_skip_the_rules(members, django_user_model):
    # covers: O5, O7, M7
    from shop.order import status
    from tests.order_factories import make_order, staff_client

    order = make_order(member=members["K0000004"], status=status.AWAITING_APPROVAL)
    staff, user = staff_client(django_user_model)
    user.is_superuser = True  # Oscar's order pages also want the order permissions
    user.save()
    first = staff.get("/shop/dashboard/orders/")
    assert first.status_code == 302, (first.status_code, first.content[:300])
    assert first["Location"] == "/shop/dashboard/b2b-orders/"
    assert (
        staff.get(f"/shop/dashboard/orders/{order.number}/")["Location"]
        == f"/shop/dashboard/b2b-orders/{order.number}/"
    )
    response = staff.post(
        f"/shop/dashboard/orders/{order.number}/", {"order_action": "change_order_status", "new_status": "cancelled"}
    )
    assert response.status_code in (301, 302)
    order.refresh_from_db()
    assert order.status == status.AWAITING_APPROVAL
    assert staff.get("/shop/dashboard/").status_code == 200  # the dashboard home still links to orders
