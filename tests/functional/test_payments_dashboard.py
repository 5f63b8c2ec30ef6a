"""Staff page 「与信枠」 (S1, P2): companies and their credit lines, screening by the payment partner."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.accounts.roles import grant
from shop.companies.models import Company, CreditLimitChange
from shop.demo.users import ensure_demo_company
from shop.payments.models import SimBuyer
from tests.factories import CompanyFactory
from tests.functional.test_staff_two_factor import code_for

pytestmark = pytest.mark.django_db

LIST = "/shop/dashboard/credit/"


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user("credit-staff", "credit@kobai.example", "pw", is_staff=True)
    grant(staff, "credit")  # 与信管理 (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client


def _row(html: str, company: Company) -> str:
    return re.search(rf'<tr data-company="{company.pk}">(.*?)</tr>', html, re.S).group(1)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_list_shows_each_companys_line_and_the_menu_entry(staff_client):
    # covers: S1, P2
    screened = CompanyFactory(name="与信表示株式会社", credit_limit=Decimal(2_500_000), invoice_buyer_id="BYshown")
    unscreened = CompanyFactory(name="未審査株式会社")
    response = staff_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "BYshown" in _row(html, screened) and "¥2,500,000" in _row(html, screened)
    assert "未審査" in _row(html, unscreened) and "与信審査を実行" in _row(html, unscreened)
    assert 'href="/shop/dashboard/credit/"' in html and "与信枠" in html
    assert "与信表示株式会社" in staff_client.get(LIST, {"q": "与信表示"}).content.decode()
    assert "未審査株式会社" not in staff_client.get(LIST, {"q": "与信表示"}).content.decode()


def test_screening_saves_the_buyer_id_and_the_line(staff_client):
    # covers: S1, P2
    company = CompanyFactory(name="審査実行株式会社")
    response = staff_client.post(f"{LIST}{company.pk}/screen/", follow=True)
    company.refresh_from_db()
    assert company.credit_limit == Decimal(3_000_000) and company.invoice_buyer_id.startswith("BY")
    assert any("承認" in m and "¥3,000,000" in m for m in _messages(response))
    # screening again keeps the same buyer at the partner
    staff_client.post(f"{LIST}{company.pk}/screen/")
    assert Company.objects.get(pk=company.pk).invoice_buyer_id == company.invoice_buyer_id
    assert SimBuyer.objects.filter(buyer_id=company.invoice_buyer_id).count() == 1


def test_a_rejected_screening_sets_the_line_to_zero(staff_client):
    # covers: P2
    company = CompanyFactory(name="否決産業株式会社", credit_limit=Decimal(500_000))
    response = staff_client.post(f"{LIST}{company.pk}/screen/", follow=True)
    company.refresh_from_db()
    assert company.credit_limit == 0 and company.invoice_buyer_id
    assert any("否決" in m for m in _messages(response))


def test_a_pending_screening_keeps_the_line(staff_client):
    # covers: P2
    company = CompanyFactory(name="保留商会株式会社", credit_limit=Decimal(100_000))
    response = staff_client.post(f"{LIST}{company.pk}/screen/", follow=True)
    company.refresh_from_db()
    assert company.credit_limit == Decimal(100_000) and company.invoice_buyer_id
    assert any("審査中" in m for m in _messages(response))


def test_an_unreachable_partner_changes_nothing(staff_client, settings):
    # covers: P2
    settings.KOBAI_INVOICE_PARTNER = "http"
    settings.KOBAI_INVOICE_PARTNER_URL = "http://127.0.0.1:9"
    settings.KOBAI_INVOICE_PARTNER_TIMEOUT = 2
    company = CompanyFactory(name="接続不可株式会社")
    response = staff_client.post(f"{LIST}{company.pk}/screen/", follow=True)
    company.refresh_from_db()
    assert company.credit_limit == 0 and company.invoice_buyer_id == ""
    assert any("接続できませんでした" in m for m in _messages(response))


def test_the_line_can_be_set_by_hand(staff_client):
    # covers: S1, P2
    company = CompanyFactory(name="手動設定株式会社", credit_limit=Decimal(3_000_000))
    reason = "決済会社から電話で増枠の連絡"
    response = staff_client.post(
        f"{LIST}{company.pk}/limit/", {"credit_limit": "1200000", "reason": reason, "q": "手動"}, follow=True
    )
    assert response.redirect_chain[-1][0].endswith("?q=%E6%89%8B%E5%8B%95")
    company.refresh_from_db()
    assert company.credit_limit == Decimal(1_200_000)
    assert any("¥1,200,000" in m for m in _messages(response))
    # issue 10: the change is audited (who, from what, to what, why) and shown on the screen
    change = CreditLimitChange.objects.get(company=company)
    assert (change.previous, change.limit, change.reason, change.source) == (3_000_000, 1_200_000, reason, "staff")
    assert change.changed_by.username == "credit-staff"
    assert reason in response.content.decode()
    for bad in ["-1", "abc", "1000.5", ""]:
        response = staff_client.post(f"{LIST}{company.pk}/limit/", {"credit_limit": bad, "reason": "x"}, follow=True)
        assert any("与信枠" in m for m in _messages(response)), bad
        assert Company.objects.get(pk=company.pk).credit_limit == Decimal(1_200_000)
    response = staff_client.post(f"{LIST}{company.pk}/limit/", {"credit_limit": "5"}, follow=True)  # no reason
    assert any("理由" in m for m in _messages(response))
    assert Company.objects.get(pk=company.pk).credit_limit == Decimal(1_200_000)
    assert CreditLimitChange.objects.filter(company=company).count() == 1


def test_buyers_and_unverified_staff_cannot_open_it(client, django_user_model):
    # covers: S1, M11
    company = CompanyFactory()
    client.force_login(django_user_model.objects.create_user("buyer-credit", "bc@example.jp", "pw"))
    assert client.get(LIST).status_code == 302
    assert client.post(f"{LIST}{company.pk}/limit/", {"credit_limit": "99"}).status_code == 302
    staff = django_user_model.objects.create_user("nofactor", "nf@kobai.example", "pw", is_staff=True)
    client.force_login(staff)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/")
    assert Company.objects.get(pk=company.pk).credit_limit == 0


def test_the_demo_company_has_a_credit_line_from_the_partner():
    # covers: S2, P2
    company = ensure_demo_company()
    assert company.credit_limit == Decimal(3_000_000) and company.invoice_buyer_id.startswith("BY")
    again = ensure_demo_company()
    assert again.invoice_buyer_id == company.invoice_buyer_id
    assert SimBuyer.objects.filter(company_name=company.name).count() == 1
