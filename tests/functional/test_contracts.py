"""Contract periods (O6), contracts ending soon on the my page and the reminder email (O8), order inquiries.

# covers: O6, O8, E1, I1
"""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.management import call_command
from oscar.core.loading import get_model

from shop.inquiries.models import Inquiry
from shop.notifications.models import OutboundEmail
from shop.order import contracts, status
from tests.factories import MemberFactory
from tests.order_factories import make_order, staff_client

Line = get_model("order", "Line")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
SUBSCRIPTION = "MS-M365BS-1Y"  # 12 months
MAINTENANCE = "SP-XGS2100-ES-1Y"  # 12 months
HARDWARE = "FT-FG40F-HW"


@pytest.fixture
def staff(django_user_model):
    return staff_client(django_user_model, "contracts1")


def _page(response):
    return BeautifulSoup(response.content, "html.parser")


def _line(order, code):
    return order.lines.get(upc=code)


def _period(line, start, end, by=None):
    return contracts.set_period(line=line, start=start, end=end, by=by)


def _reminders():
    return list(OutboundEmail.objects.filter(template="contract_reminder").order_by("pk"))


def test_staff_enter_a_period_the_end_defaults_to_the_term_and_the_buyer_sees_it(staff, members, client):
    # covers: O6, S1
    staff_web, _ = staff
    buyer = members["K0000004"]
    order = make_order(member=buyer, codes=(SUBSCRIPTION, MAINTENANCE, HARDWARE))
    subscription, maintenance = _line(order, SUBSCRIPTION), _line(order, MAINTENANCE)
    path = f"/shop/dashboard/b2b-orders/{order.number}/"
    page = _page(staff_web.get(path))
    assert {row["data-line"] for row in page.select("form.contract-periods tr[data-line]")} == {
        str(subscription.pk),
        str(maintenance.pk),
    }  # hardware has no contract period
    response = staff_web.post(
        path,
        {
            "action": "contracts",
            f"line-{subscription.pk}-start": "2026-12-01",
            f"line-{subscription.pk}-end": "",
            f"line-{maintenance.pk}-start": "2026/12/15",
            f"line-{maintenance.pk}-end": "2027-06-30",
        },
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    maintenance.refresh_from_db()
    assert (subscription.contract_start, subscription.contract_end) == (date(2026, 12, 1), date(2027, 11, 30))
    assert (maintenance.contract_start, maintenance.contract_end) == (date(2026, 12, 15), date(2027, 6, 30))

    client.force_login(buyer.user)
    detail = _page(client.get(f"/shop/orders/{order.number}/"))
    row = detail.select_one(f".contract-periods tr[data-line='{subscription.pk}']")
    assert row.select_one(".contract-start").text == "2026年12月1日"
    assert row.select_one(".contract-end").text == "2027年11月30日"
    assert detail.select_one(f".contract-periods tr[data-line='{_line(order, HARDWARE).pk}']") is None


def test_an_end_before_the_start_is_refused(staff, members):
    # covers: O6
    staff_web, staff_user = staff
    order = make_order(member=members["K0000004"])
    line = _line(order, SUBSCRIPTION)
    path = f"/shop/dashboard/b2b-orders/{order.number}/"
    response = staff_web.post(
        path, {"action": "contracts", f"line-{line.pk}-start": "2026-12-01", f"line-{line.pk}-end": "2026-11-30"}
    )
    assert response.status_code == 400
    assert "契約終了日は契約開始日以降" in _page(response).select_one("form.contract-periods").get_text()
    line.refresh_from_db()
    assert (line.contract_start, line.contract_end) == (None, None)
    with pytest.raises(contracts.PeriodRefused):
        _period(line, date(2026, 12, 1), date(2026, 11, 30), by=staff_user)
    with pytest.raises(contracts.PeriodRefused):
        _period(line, None, date(2026, 11, 30), by=staff_user)


def test_default_end_and_orders_that_take_no_period(members):
    # covers: O6
    assert contracts.default_end(date(2026, 12, 1), 12) == date(2027, 11, 30)
    assert contracts.default_end(date(2026, 1, 31), 1) == date(2026, 2, 27)  # 2/28 less a day
    assert contracts.default_end(date(2026, 4, 1), 24) == date(2028, 3, 31)
    assert contracts.default_end(date(2026, 4, 1), None) is None  # a perpetual licence has no end
    waiting = make_order(member=members["K0000004"], status=status.AWAITING_APPROVAL)
    with pytest.raises(contracts.PeriodRefused):
        _period(_line(waiting, SUBSCRIPTION), date(2026, 12, 1), None)
    hardware = make_order(member=members["K0000004"], codes=(HARDWARE,))
    with pytest.raises(contracts.PeriodRefused):
        _period(_line(hardware, HARDWARE), date(2026, 12, 1), None)


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=TOKYO), tick=False)
def test_my_page_lists_own_contracts_ending_within_90_days(client, members):
    # covers: O8, M6
    buyer = members["K0000004"]
    soon = make_order(member=buyer)
    _period(_line(soon, SUBSCRIPTION), date(2025, 12, 1), None)  # ends 2026-11-30: 5 days
    edge = make_order(member=buyer)
    _period(_line(edge, SUBSCRIPTION), date(2025, 12, 1), date(2027, 2, 23))  # 90 days
    later = make_order(member=buyer)
    _period(_line(later, SUBSCRIPTION), date(2025, 12, 1), date(2027, 2, 24))  # 91 days
    ended = make_order(member=buyer)
    _period(_line(ended, SUBSCRIPTION), date(2025, 11, 1), date(2026, 11, 24))  # yesterday
    cancelled = make_order(member=buyer)
    _period(_line(cancelled, SUBSCRIPTION), date(2025, 12, 1), None)
    cancelled.status = status.CANCELLED
    cancelled.save()
    other = MemberFactory(role="admin")
    elsewhere = make_order(member=other)
    _period(_line(elsewhere, SUBSCRIPTION), date(2025, 12, 1), None)

    client.force_login(buyer.user)
    page = _page(client.get("/shop/mypage/"))
    rows = page.select(".mypage-ending-contracts tr.ending-contract")
    assert [row["data-line"] for row in rows] == [str(_line(soon, SUBSCRIPTION).pk), str(_line(edge, SUBSCRIPTION).pk)]
    first = rows[0]
    assert first.select_one(f"a[href='/shop/orders/{soon.number}/']") is not None
    assert "2026年11月30日" in first.select_one(".contract-end").text and "あと5日" in first.text
    renew = first.select_one("a.renew")
    assert renew.get_text(strip=True) == "更新のご注文"
    assert renew["href"] == Product.objects.get(upc=SUBSCRIPTION).get_absolute_url()

    client.force_login(other.user)
    other_rows = _page(client.get("/shop/mypage/")).select(".mypage-ending-contracts tr.ending-contract")
    assert [row["data-line"] for row in other_rows] == [str(_line(elsewhere, SUBSCRIPTION).pk)]


def _run(day):
    with time_machine.travel(datetime(*day, 3, 0, tzinfo=TOKYO), tick=False):
        out = StringIO()
        call_command("send_contract_reminders", stdout=out)
        return out.getvalue()


def test_reminder_goes_out_once_per_line_n_days_before_the_end(members, settings):
    # covers: O8, E1
    settings.KOBAI_CONTRACT_REMINDER_DAYS = 60
    buyer, admin = members["K0000004"], members["K0000001"]
    order = make_order(member=buyer, codes=(SUBSCRIPTION, MAINTENANCE), purchase_order_number="PO-55")
    _period(_line(order, SUBSCRIPTION), date(2026, 3, 1), None)  # ends 2027-02-28
    _period(_line(order, MAINTENANCE), date(2026, 3, 2), None)  # ends 2027-03-01
    cancelled = make_order(member=buyer)
    _period(_line(cancelled, SUBSCRIPTION), date(2026, 3, 1), None)
    cancelled.status = status.CANCELLED
    cancelled.save()

    assert "reminded 0" in _run((2026, 12, 29))  # 61 days before 2027-02-28
    assert _reminders() == []
    assert "reminded 1" in _run((2026, 12, 30))  # 60 days
    assert "reminded 0" in _run((2026, 12, 30))  # the same day again: nothing more
    mails = _reminders()
    assert sorted(m.to[0] for m in mails) == sorted([buyer.user.email, admin.user.email])  # orderer + administrator
    assert all(order.number in m.subject and "2027年2月28日" in m.body for m in mails)
    assert all("自動では更新されません" in m.body and "PO-55" in m.body for m in mails)
    assert Product.objects.get(upc=SUBSCRIPTION).get_absolute_url() in mails[0].body
    assert "SP-XGS2100-ES-1Y" not in mails[0].body  # the maintenance line is not due yet
    assert _line(order, SUBSCRIPTION).reminder_sent_on == date(2026, 12, 30)

    # the run on 12/31 was missed: 2027-01-01 catches the maintenance line up (59 days), once
    assert "reminded 1" in _run((2027, 1, 1))
    assert "reminded 0" in _run((2027, 1, 2))
    assert len(_reminders()) == 4 and all(m.to[0] != "" for m in _reminders())
    assert not any(cancelled.number in m.subject for m in _reminders())


def test_a_new_end_date_makes_the_line_due_again(members):
    # covers: O8, O6
    order = make_order(member=members["K0000001"])
    line = _line(order, SUBSCRIPTION)
    _period(line, date(2026, 3, 1), None)
    _run((2027, 1, 10))
    assert len(_reminders()) == 1  # the orderer is the administrator: one message
    _period(line, date(2026, 3, 1), date(2027, 6, 30))  # extended by the maker
    line.refresh_from_db()
    assert line.reminder_sent_on is None
    _run((2027, 1, 11))
    assert len(_reminders()) == 1
    _run((2027, 5, 1))
    assert len(_reminders()) == 2


def test_order_inquiry_button_opens_an_inquiry_bound_to_the_order(client, members):
    # covers: O6, I1
    buyer = members["K0000004"]
    order = make_order(member=buyer)
    client.force_login(buyer.user)
    button = _page(client.get(f"/shop/orders/{order.number}/")).select_one("a.order-inquiry")
    assert button.get_text(strip=True) == "この注文について問い合わせ"
    form_page = _page(client.get(button["href"]))
    assert form_page.select_one("input[name=subject]")["value"] == f"ご注文 {order.number} について"
    assert order.number in form_page.select_one(".inquiry-order").get_text()
    data = {
        "subject": form_page.select_one("input[name=subject]")["value"],
        "body": "納品予定日を教えてください。",
        "order": form_page.select_one("input[name=order]")["value"],
        "submission_key": form_page.select_one("input[name=submission_key]")["value"],
    }
    response = client.post("/shop/inquiries/new/", data)
    inquiry = Inquiry.objects.get(order=order)
    assert response["Location"] == f"/shop/inquiries/{inquiry.number}/"
    assert inquiry.company == buyer.company and inquiry.created_by == buyer.user
    receipt = OutboundEmail.objects.get(template="inquiry_receipt")
    assert order.number in receipt.body
    detail = _page(client.get(response["Location"]))
    assert detail.select_one(".inquiry-order a")["href"] == f"/shop/orders/{order.number}/"


def test_another_company_gets_404_on_the_order_inquiry(client, members):
    # covers: O6, I1, M6
    order = make_order(member=members["K0000004"])
    outsider = MemberFactory(role="admin")
    client.force_login(outsider.user)
    assert client.get(f"/shop/inquiries/new/?order={order.number}").status_code == 404
    response = client.post(
        "/shop/inquiries/new/", {"subject": "x", "body": "y", "order": order.number, "submission_key": ""}
    )
    assert response.status_code == 404 and not Inquiry.objects.exists()
