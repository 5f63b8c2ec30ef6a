"""Staff order handling in the dashboard 「受注管理」: pipeline moves, the buyer told by email and in the thread.

# covers: O5, O7, S1, E1, I1
"""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from oscar.core.loading import get_model

from shop.inquiries import services as inquiries
from shop.inquiries.models import Inquiry
from shop.notifications.models import OutboundEmail
from shop.order import fulfilment, status
from tests.order_factories import make_order, staff_client

Order = get_model("order", "Order")
OrderStatusChange = get_model("order", "OrderStatusChange")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return staff_client(django_user_model)


def _page(response):
    return BeautifulSoup(response.content, "html.parser")


def _path(order):
    return f"/shop/dashboard/b2b-orders/{order.number}/"


def _status_mails(order):
    return [m for m in OutboundEmail.objects.order_by("pk") if m.template == "order_status_changed"]


def test_staff_page_shows_the_order_and_offers_only_pipeline_moves_without_cancel(staff, members):
    # covers: O7, S1, O5
    client, _ = staff
    order = make_order(
        member=members["K0000004"],
        codes=("MS-M365BS-1Y", "FT-FG40F-HW"),
        purchase_order_number="PO-7781",
        comment="年内納品希望",
        for_resale=True,
        end_user_name="株式会社エンド",
        delivery_address="〒105-0011 東京都港区芝公園4-2-8",
        payment_method="card",
    )
    page = _page(client.get(_path(order)))
    facts = page.select_one(".order-facts").get_text()
    for text in ("PO-7781", "年内納品希望", "株式会社エンド", "東京都港区芝公園4-2-8", "クレジットカード", "受付済"):
        assert text in facts, text
    assert {row["data-line"] for row in page.select(".order-lines tr[data-line]")} == {
        str(line.pk) for line in order.lines.all()
    }
    assert page.select_one(".totals-table .grand").get_text(strip=True).endswith(f"{order.total_incl_tax:,.0f}")
    choices = {o["value"]: o.get_text(strip=True) for o in page.select("form.order-status-move select[name=to] option")}
    assert choices == {"arranging": "手配中", "delivered": "納品済/契約開始"}  # キャンセル is its own form (O5)
    assert page.select_one("form.order-cancel textarea[name=reason]") is not None


def test_a_move_emails_the_buyer_with_the_delivery_date_and_posts_it_into_the_order_thread(staff, members):
    # covers: O7, E1, I1
    client, staff_user = staff
    buyer = members["K0000004"]
    order = make_order(member=buyer)
    response = client.post(
        _path(order),
        {"action": "status", "to": "arranging", "delivery_date": "2026-12-10", "message": "メーカに発注しました。"},
    )
    assert response.status_code == 302 and response["Location"] == _path(order)
    order.refresh_from_db()
    assert order.status == status.ARRANGING
    change = OrderStatusChange.objects.get(order=order)
    assert (change.old_status, change.new_status) == (status.ACCEPTED, status.ARRANGING)

    [email] = _status_mails(order)
    assert email.to == [buyer.user.email]
    assert email.subject.startswith("ご注文の状況が変わりました") and order.number in email.subject
    assert "2026年12月10日" in email.body and "メーカに発注しました。" in email.body and "手配中" in email.body

    thread = Inquiry.objects.get(order=order)
    assert thread.company == buyer.company and thread.subject == f"ご注文 {order.number} について"
    message = thread.messages.get()
    assert message.from_staff and message.author == staff_user
    assert "納期: 2026年12月10日" in message.body and "メーカに発注しました。" in message.body
    assert f"/shop/inquiries/{thread.number}/" in email.body

    # the buyer sees it in their thread, and the staff page lists the thread and the move
    client_buyer = Client()
    client_buyer.force_login(buyer.user)
    assert "納期: 2026年12月10日" in client_buyer.get(f"/shop/inquiries/{thread.number}/").content.decode()
    page = _page(client.get(_path(order)))
    assert thread.number in page.select_one(".order-inquiries").get_text()
    assert "受付済 → 手配中" in page.select_one(".order-status-history").get_text()


def test_an_illegal_move_is_refused_and_changes_nothing(staff, members):
    # covers: O7, O5
    client, staff_user = staff
    order = make_order(member=members["K0000004"], status=status.DELIVERED)
    page = _page(client.get(_path(order)))
    assert page.select_one("form.order-status-move") is None  # 納品済 is the end of the pipeline
    response = client.post(_path(order), {"action": "status", "to": "arranging"})
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == status.DELIVERED and not OrderStatusChange.objects.filter(order=order).exists()
    assert not _status_mails(order)

    accepted = make_order(member=members["K0000004"])
    for target in (status.CANCELLED, status.AWAITING_APPROVAL, status.ACCEPTED, "shipped"):
        with pytest.raises(fulfilment.MoveRefused):
            fulfilment.move(order=accepted, to=target, by=staff_user)
    accepted.refresh_from_db()
    assert accepted.status == status.ACCEPTED and not _status_mails(accepted)


def test_awaiting_approval_is_left_to_the_buyers_approvers(staff, members):
    # covers: O7 (M7: no proxy approval by staff)
    client, staff_user = staff
    order = make_order(member=members["K0000004"], status=status.AWAITING_APPROVAL)
    page = _page(client.get(_path(order)))
    assert page.select_one("form.order-status-move") is None and "承認者" in page.select_one(".order-no-moves").text
    with pytest.raises(fulfilment.MoveRefused):
        fulfilment.move(order=order, to=status.ACCEPTED, by=staff_user)
    assert client.post(_path(order), {"action": "status", "to": "accepted"}).status_code == 400
    order.refresh_from_db()
    assert order.status == status.AWAITING_APPROVAL


def test_a_plain_move_emails_without_a_thread_and_a_buyer_thread_takes_later_news(staff, members):
    # covers: O7, I1
    client, staff_user = staff
    buyer = members["K0000004"]
    order = make_order(member=buyer)
    fulfilment.move(order=order, to=status.ARRANGING, by=staff_user)
    assert len(_status_mails(order)) == 1 and not Inquiry.objects.filter(order=order).exists()
    assert "納期" not in _status_mails(order)[0].body

    asked, _ = inquiries.open_inquiry(
        member=buyer, subject=inquiries.order_subject(order), body="納期を教えてください。", order=order
    )
    fulfilment.move(order=order, to=status.DELIVERED, by=staff_user, delivery_date=date(2026, 12, 1))
    assert Inquiry.objects.filter(order=order).count() == 1  # the buyer's own thread takes the news
    assert [m.from_staff for m in asked.messages.all()] == [False, True]
    order.refresh_from_db()
    assert order.status == status.DELIVERED and len(_status_mails(order)) == 2


def test_staff_cancel_with_a_reason_through_the_cancellation_module(staff, members):
    # covers: O5, S1
    client, _ = staff
    buyer = members["K0000004"]
    order = make_order(member=buyer, status=status.ARRANGING)
    assert _page(client.get(_path(order))).select_one("form.order-cancel") is not None
    refused = client.post(_path(order), {"action": "cancel", "reason": "  "})
    assert refused.status_code == 400
    order.refresh_from_db()
    assert order.status == status.ARRANGING
    response = client.post(_path(order), {"action": "cancel", "reason": "メーカの供給停止のため"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == status.CANCELLED and order.cancel_reason == "メーカの供給停止のため"
    [email] = OutboundEmail.objects.filter(template="order_cancelled")
    assert email.to == [buyer.user.email]
    page = _page(client.get(_path(order)))
    assert page.select_one("form.order-cancel") is None and page.select_one("form.order-status-move") is None


def test_the_list_filters_by_status_and_the_dashboard_menu_has_it(staff, members):
    # covers: S1, O7
    client, _ = staff
    accepted = make_order(member=members["K0000004"])
    delivered = make_order(member=members["K0000004"], status=status.DELIVERED)
    everything = _page(client.get("/shop/dashboard/b2b-orders/"))
    shown = {row["data-number"] for row in everything.select("table.b2b-orders tr[data-number]")}
    assert {accepted.number, delivered.number} <= shown
    filtered = _page(client.get("/shop/dashboard/b2b-orders/?status=delivered"))
    rows = filtered.select("table.b2b-orders tr[data-number]")
    assert {row["data-number"] for row in rows} == {delivered.number}
    assert rows[0].select_one(".order-status").get_text(strip=True) == "納品済/契約開始"
    menu = _page(client.get("/shop/dashboard/")).get_text()
    assert "受注管理" in menu


def test_buyers_and_visitors_cannot_reach_the_staff_pages(client, members):
    # covers: S1
    order = make_order(member=members["K0000001"])
    for path in ("/shop/dashboard/b2b-orders/", _path(order)):
        assert client.get(path).status_code == 302
    client.force_login(members["K0000001"].user)
    response = client.post(_path(order), {"action": "status", "to": "arranging"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == status.ACCEPTED
