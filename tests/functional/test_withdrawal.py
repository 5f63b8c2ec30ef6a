"""「退会」 (M9): history export first, then login refused; the shop keeps the orders."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from shop.demo.users import ensure_demo_company

Order = get_model("order", "Order")
Line = get_model("order", "Line")

pytestmark = pytest.mark.django_db

LOGIN = "/shop/accounts/login/"


@pytest.fixture
def demo():
    company = ensure_demo_company()
    return {m.user.username: m for m in company.members.select_related("user")}


def _order(user, number):
    order = Order.objects.create(
        number=number,
        user=user,
        currency="JPY",
        total_incl_tax=Decimal("24736"),
        total_excl_tax=Decimal("22488"),
        date_placed=timezone.now(),
        status="accepted",
    )
    Line.objects.create(
        order=order,
        partner_name="Kobai",
        partner_sku="MS-M365BS-1Y",
        upc="MS-M365BS-1Y",
        title="Microsoft 365 Business Standard 年間契約（1ユーザー）",
        quantity=1,
        line_price_incl_tax=Decimal("24736"),
        line_price_excl_tax=Decimal("22488"),
        line_price_before_discounts_incl_tax=Decimal("24736"),
        line_price_before_discounts_excl_tax=Decimal("22488"),
        unit_price_excl_tax=Decimal("22488"),
        num_allocated=0,
    )
    return order


def test_export_lists_the_companys_history_only(client, demo, django_user_model):
    # covers: M9, M6
    _order(demo["K0000004"].user, "100001")
    _order(django_user_model.objects.create_user("K9999999", "o@other.example.jp", "pw"), "100002")
    client.force_login(demo["K0000002"].user)
    page = client.get("/shop/withdrawal/").content.decode()
    assert "購入・契約履歴をダウンロード" in page
    response = client.get("/shop/withdrawal/history.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["注文番号", "注文日"]
    assert [r[0] for r in rows[1:]] == ["100001"]
    assert rows[1][4] == "MS-M365BS-1Y" and rows[1][8] == "22488"


def test_member_withdrawal_refuses_login_and_keeps_orders(client, demo):
    # covers: M9
    order = _order(demo["K0000004"].user, "100003")
    client.post(LOGIN, {"username": "K0000004", "password": "demo-buyer-2026"})
    wrong = client.post("/shop/withdrawal/", {"scope": "self", "password": "nope", "confirm": "on"})
    assert "パスワードが正しくありません" in wrong.content.decode()
    done = client.post("/shop/withdrawal/", {"scope": "self", "password": "demo-buyer-2026", "confirm": "on"})
    assert done.status_code == 302 and "_auth_user_id" not in client.session
    refused = client.post(LOGIN, {"username": "K0000004", "password": "demo-buyer-2026"})
    assert refused.status_code == 200 and "お客様IDまたはパスワードが正しくありません" in refused.content.decode()
    assert Order.objects.filter(pk=order.pk).exists()
    assert client.post(LOGIN, {"username": "K0000001", "password": "demo-buyer-2026"}).status_code == 302


def test_only_an_administrator_can_withdraw_the_company(client, demo):
    # covers: M9
    client.force_login(demo["K0000004"].user)
    page = client.post("/shop/withdrawal/", {"scope": "company", "password": "demo-buyer-2026", "confirm": "on"})
    assert page.status_code == 200  # not a valid choice for a member
    demo["K0000001"].company.refresh_from_db()
    assert demo["K0000001"].company.status == "active"
    client.force_login(demo["K0000001"].user)
    client.post("/shop/withdrawal/", {"scope": "company", "password": "demo-buyer-2026", "confirm": "on"})
    company = demo["K0000001"].company
    company.refresh_from_db()
    assert company.status == "withdrawn"
    for login_id in ["K0000001", "K0000002", "K0000003", "K0000004"]:
        assert client.post(LOGIN, {"username": login_id, "password": "demo-buyer-2026"}).status_code == 200
