"""Issue 10: one credit ledger (与信枠, P2): reserved by each deferred-invoice order, given back with a reason.

A company that pays its invoices keeps ordering: the partner's `paid` gives
the order's reservation back. Cancelling, sending back and the partner's
rejection give it back too, each with its reason. Every change of the line,
by staff or by the partner's screening, leaves an audit row, and the
checkout and approval pages show what is left.

# covers: issue 10, P2, O5, M7
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from shop.accounts.roles import grant
from shop.companies import credit
from shop.companies.models import Company, CreditLimitChange, CreditReservation
from shop.order import fulfilment
from shop.order import status as order_status
from shop.payments.models import Payment, SimTransaction
from shop.payments.simulators import invoice as invoice_simulator
from shop.payments.simulators.invoice import InvoicePartnerSimulator
from tests.factories import CompanyFactory
from tests.functional.test_checkout_approval import _checkout_data, _client, _fill, _messages
from tests.functional.test_staff_two_factor import code_for
from tests.order_factories import staff_client

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
WEBHOOK = "/shop/payments/webhooks/invoice/"
# 13 × ¥68,940 = ¥896,220 + 10 % = ¥985,842: within the partner's ¥1,000,000 review threshold (no manual review)
MONTHLY = {"FT-FG40F-HW": 13}
ABOVE_REVIEW = {"FT-FG40F-HW": 20}  # ¥1,516,680: the partner reviews it by hand
LINE = Decimal(3_000_000)


@pytest.fixture
def credit_staff(django_user_model):
    """A signed-in 与信管理 staff member past the second factor."""
    staff = django_user_model.objects.create_user("credit-staff", "credit@kobai.example", "pw", is_staff=True)
    grant(staff, "credit")
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client = Client()
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client


@pytest.fixture
def webhooks(settings, monkeypatch):
    """The partner simulator's webhooks reach our endpoint (through the test client: no server runs)."""
    settings.KOBAI_SIM_INVOICE_WEBHOOK_URL = f"http://testserver{WEBHOOK}"
    endpoint = Client()
    answered = []

    def post(url, body, headers):
        response = endpoint.post(
            WEBHOOK,
            body,
            content_type="application/json",
            headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
        )
        answered.append((json.loads(body)["type"], response.status_code))
        return response.status_code

    monkeypatch.setattr(invoice_simulator, "post_webhook", post)
    return answered


@pytest.fixture
def partner(django_capture_on_commit_callbacks, webhooks):
    """Run one of the partner's own operations; its webhooks are posted once it commits, as the partner does."""

    def run(operation, **arguments):
        with django_capture_on_commit_callbacks(execute=True):
            return getattr(InvoicePartnerSimulator.from_settings(), operation)(**arguments)

    return run


def _at(year, month, day):
    return time_machine.travel(datetime(year, month, day, 10, 0, tzinfo=TOKYO), tick=False)


def _order_from(response):
    assert response.status_code == 302, _messages(response)
    return Order.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[1])


def _place(member, codes=MONTHLY):
    client = _client(member)
    _fill(client, codes)
    return _order_from(client.post("/shop/checkout/", _checkout_data(client)))


def _released(order):
    reservation = CreditReservation.objects.get(order=order)
    return reservation.status == CreditReservation.Status.RELEASED and reservation.release_reason


def test_a_company_that_pays_every_invoice_orders_every_month_for_a_year(members, partner, webhooks, admin_user):
    # covers: issue 10, P2
    admin = members["K0000001"]
    company = admin.company
    assert company.credit_limit == LINE
    months = [(2027 + index // 12, index % 12 + 1) for index in range(13)]  # January 2027 … January 2028
    orders = []
    for index, (year, month) in enumerate(months):
        if index:  # on the 1st the partner bills what was delivered last month
            with _at(year, month, 1):
                billed = partner("run_billing", today=date(year, month, 1))
            assert [tx["order_number"] for tx in billed] == [orders[-1].number]
            assert Payment.objects.get(order=orders[-1]).status == Payment.Status.BILLED
        if index < 12:  # on the 10th the company orders about ¥1,000,000, delivered on the 15th
            with _at(year, month, 10):
                order = _place(admin)
            assert order.total_incl_tax == Decimal(985_842) and order.payment_method == "invoice"
            assert CreditReservation.objects.get(order=order).status == CreditReservation.Status.RESERVED
            with _at(year, month, 15):
                fulfilment.move(order=order, to=order_status.DELIVERED, by=admin_user)
            payment = Payment.objects.get(order=order)
            assert payment.status == Payment.Status.FIXED
            assert SimTransaction.objects.get(reference=payment.reference).status == "fixed"
            orders.append(order)
        if index:  # on the 25th it pays last month's invoice: the credit comes back
            paid = orders[index - 1]
            with _at(year, month, 25):
                partner("settle", reference=Payment.objects.get(order=paid).reference)
            assert Payment.objects.get(order=paid).status == Payment.Status.PAID
            assert _released(paid) == credit.PAID
    assert len(orders) == 12
    assert all(code == 200 for _, code in webhooks) and len(webhooks) == 24  # 12 billed + 12 paid
    assert not CreditReservation.objects.filter(company=company, status=CreditReservation.Status.RESERVED).exists()
    assert credit.remaining(company=Company.objects.get(pk=company.pk)) == LINE


def test_a_cancel_by_staff_gives_the_credit_back(members, django_user_model):
    # covers: issue 10, P2, O5
    admin = members["K0000001"]
    order = _place(admin)
    assert credit.remaining(company=admin.company) == LINE - order.total_incl_tax
    client, _ = staff_client(django_user_model)
    response = client.post(f"/shop/dashboard/b2b-orders/{order.number}/", {"action": "cancel", "reason": "重複注文"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == order_status.CANCELLED
    assert _released(order) == credit.CANCELLED
    assert credit.remaining(company=admin.company) == LINE
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.CANCELLED
    assert SimTransaction.objects.get(reference=payment.reference).status == "cancelled"


def test_a_send_back_gives_the_credit_back(members):
    # covers: issue 10, P2, M7
    requester, approver = members["K0000004"], members["K0000002"]
    order = _place(requester)
    assert order.status == order_status.AWAITING_APPROVAL
    assert credit.remaining(company=requester.company) == LINE - order.total_incl_tax
    _client(approver).post(
        f"/shop/approvals/{order.number}/decide/", {"decision": "send-back", "comment": "予算超過です"}
    )
    order.refresh_from_db()
    assert order.status == order_status.SENT_BACK
    assert _released(order) == credit.SENT_BACK
    assert credit.remaining(company=requester.company) == LINE
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.CANCELLED
    assert SimTransaction.objects.get(reference=payment.reference).status == "cancelled"


def test_the_partners_rejection_gives_the_credit_back(members, partner, webhooks):
    # covers: issue 10, P2, O5
    admin = members["K0000001"]
    order = _place(admin, ABOVE_REVIEW)
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.PENDING
    partner("review", reference=payment.reference, decision="rejected")
    assert webhooks == [("transaction.rejected", 200)]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == order_status.CANCELLED and payment.status == Payment.Status.REJECTED
    assert _released(order) == credit.REJECTED
    assert credit.remaining(company=admin.company) == LINE


def test_staff_changes_of_the_line_are_audited_and_never_touch_placed_orders(members, credit_staff):
    # covers: issue 10, P2, S1
    admin = members["K0000001"]
    company = admin.company
    order = _place(admin)
    lowered = int(order.total_incl_tax) - 1000  # below what the order holds
    response = credit_staff.post(
        f"/shop/dashboard/credit/{company.pk}/limit/", {"credit_limit": str(lowered), "reason": "決済会社の減枠連絡"}
    )
    assert response.status_code == 302 and response["Location"] == "/shop/dashboard/credit/", response["Location"]
    by_staff = CreditLimitChange.objects.filter(company=company, source=CreditLimitChange.Source.STAFF)
    change = by_staff.get()  # the demo company's screening wrote the row before it
    assert (change.previous, change.limit, change.source, change.reason) == (
        LINE,
        lowered,
        "staff",
        "決済会社の減枠連絡",
    )
    assert change.changed_by.username == "credit-staff"
    assert CreditReservation.objects.get(order=order).status == CreditReservation.Status.RESERVED  # untouched
    assert credit.remaining(company=Company.objects.get(pk=company.pk)) == 0  # never below zero

    client = _client(admin)
    _fill(client, {"MS-M365BS-1Y": 1})
    assert _shown_remaining(client.get("/shop/checkout/")) == 0
    refused = client.post("/shop/checkout/", _checkout_data(client))
    assert refused.status_code == 409 and any("与信枠" in m for m in _messages(refused))

    credit_staff.post(f"/shop/dashboard/credit/{company.pk}/limit/", {"credit_limit": "5000000", "reason": "増枠"})
    assert list(by_staff.values_list("previous", "limit")) == [
        (lowered, 5_000_000),
        (LINE, lowered),
    ]
    assert _shown_remaining(client.get("/shop/checkout/")) == 5_000_000 - order.total_incl_tax
    listed = credit_staff.get("/shop/dashboard/credit/").content.decode()
    assert f"¥{5_000_000 - order.total_incl_tax:,.0f}" in listed


def test_screening_changes_the_line_with_an_audit_row(credit_staff):
    # covers: issue 10, P2
    approved = CompanyFactory(name="監査審査株式会社")
    credit_staff.post(f"/shop/dashboard/credit/{approved.pk}/screen/")
    approved.refresh_from_db()
    change = CreditLimitChange.objects.get(company=approved)
    assert (change.previous, change.limit, change.source) == (0, LINE, CreditLimitChange.Source.SCREENING)
    assert approved.invoice_buyer_id in change.reason and change.changed_by.username == "credit-staff"

    rejected = CompanyFactory(name="否決監査株式会社", credit_limit=Decimal(500_000))
    credit_staff.post(f"/shop/dashboard/credit/{rejected.pk}/screen/")
    change = CreditLimitChange.objects.get(company=rejected)
    assert (change.previous, change.limit, change.source) == (500_000, 0, CreditLimitChange.Source.SCREENING)
    assert "否決" in change.reason


def _shown_remaining(response) -> Decimal:
    shown = BeautifulSoup(response.content, "html.parser").select_one("[data-credit-remaining]")
    assert shown is not None, "the page does not show the remaining credit"
    amount = Decimal(shown["data-credit-remaining"])
    assert f"{amount:,.0f}" in shown.strong.get_text()  # what the buyer reads is the same number
    return amount


def test_checkout_and_approval_pages_show_the_remaining_credit(members):
    # covers: issue 10, P2, M7
    admin, requester, approver = members["K0000001"], members["K0000004"], members["K0000002"]
    company = admin.company
    client = _client(admin)
    _fill(client)
    assert _shown_remaining(client.get("/shop/checkout/")) == credit.remaining(company=company) == LINE

    first = _order_from(client.post("/shop/checkout/", _checkout_data(client)))
    _fill(client)
    after_first = _shown_remaining(client.get("/shop/checkout/"))
    assert after_first == credit.remaining(company=company) == LINE - first.total_incl_tax

    second = _place(requester, {"MS-M365BS-1Y": 3})
    page = _client(approver).get(f"/shop/approvals/{second.number}/")
    assert page.status_code == 200
    assert _shown_remaining(page) == credit.remaining(company=company) == after_first - second.total_incl_tax
    held = BeautifulSoup(page.content, "html.parser").select_one("[data-credit-remaining]").get_text()
    assert f"{second.total_incl_tax:,.0f}" in held  # the approver sees what this order holds
