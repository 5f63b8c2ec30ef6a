"""Company administration: 法人会員一覧, 新規会員追加, roles, approval routes, deactivation (M5)."""

import re

import pytest
from django.core import mail as django_mail

from shop.companies.models import Company, Member
from shop.demo.users import ensure_demo_company
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    company = ensure_demo_company()
    return {m.user.username: m for m in company.members.select_related("user")}


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo["K0000001"].user)
    return client


def test_only_administrators_see_the_member_list(client, demo):
    # covers: M5
    client.force_login(demo["K0000004"].user)
    assert client.get("/shop/company/members/").status_code == 404
    client.force_login(demo["K0000001"].user)
    html = client.get("/shop/company/members/").content.decode()
    for login_id in ["K0000001", "K0000002", "K0000003", "K0000004"]:
        assert login_id in html
    for label in ["管理者・発注権限", "一般会員", "承認不要", "一次承認＋二次承認"]:
        assert label in html


def test_invitation_creates_a_member_with_a_72_hour_link(admin_client, client, django_capture_on_commit_callbacks):
    # covers: M5, M3
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/shop/company/members/new/",
            {
                "last_name": "新人",
                "first_name": "五郎",
                "email": "goro@demo-shoji.example.jp",
                "department": "営業部",
                "job_title": "",
                "role": "member",
            },
        )
    assert response.status_code == 302
    member = Member.objects.get(user__email="goro@demo-shoji.example.jp")
    assert member.company.name == "株式会社デモ商事" and member.password_deadline is not None
    (message,) = django_mail.outbox
    assert "法人会員に追加されました" in message.subject and member.user.username in message.body
    link = re.search(r"https?://[^/]+(/\S+/first-password/\S+/)", message.body).group(1)
    client.logout()
    assert client.get(link).status_code == 200


def test_route_rules(admin_client, demo):
    # covers: M5, M7
    requester = demo["K0000004"]
    url = f"/shop/company/members/{requester.pk}/"
    self_approval = admin_client.post(url, {"role": "member", "route": "one", "first_approver": requester.pk})
    assert self_approval.status_code == 200  # requester is not even offered as own approver
    missing = admin_client.post(url, {"role": "member", "route": "two", "first_approver": demo["K0000002"].pk})
    assert "二次承認者を選んでください" in missing.content.decode()
    same = admin_client.post(
        url,
        {
            "role": "member",
            "route": "two",
            "first_approver": demo["K0000002"].pk,
            "second_approver": demo["K0000002"].pk,
        },
    )
    assert "別の人を選んでください" in same.content.decode()
    ok = admin_client.post(url, {"role": "member", "route": "one", "first_approver": demo["K0000003"].pk})
    assert ok.status_code == 302
    requester.refresh_from_db()
    assert requester.approval_route == "one" and requester.first_approver == demo["K0000003"]
    assert requester.second_approver is None


def test_approver_cannot_be_on_own_route(admin_client, demo):
    # covers: M5, M7
    approver = demo["K0000002"]
    response = admin_client.post(
        f"/shop/company/members/{approver.pk}/", {"role": "member", "route": "one", "first_approver": approver.pk}
    )
    assert response.status_code == 200
    approver.refresh_from_db()
    assert approver.approval_route == "none"


def test_deactivation(admin_client, demo, client):
    # covers: M5
    me = demo["K0000001"]
    own = admin_client.post(f"/shop/company/members/{me.pk}/deactivate/", follow=True)
    assert "自分自身は無効化できません" in own.content.decode()
    busy = admin_client.post(f"/shop/company/members/{demo['K0000002'].pk}/deactivate/", follow=True)
    assert "承認者です" in busy.content.decode()
    admin_client.post(f"/shop/company/members/{demo['K0000004'].pk}/deactivate/")
    demo["K0000004"].user.refresh_from_db()
    assert not demo["K0000004"].user.is_active
    client.logout()
    response = client.post("/shop/accounts/login/", {"username": "K0000004", "password": "demo-buyer-2026"})
    assert response.status_code == 200 and "お客様IDまたはパスワードが正しくありません" in response.content.decode()


def test_another_companys_member_is_404(admin_client, django_user_model):
    # covers: M5, M6
    stranger = MemberFactory(user__username="K7654321")
    assert admin_client.get(f"/shop/company/members/{stranger.pk}/").status_code == 404
    assert admin_client.post(f"/shop/company/members/{stranger.pk}/deactivate/").status_code == 404
    stranger.user.refresh_from_db()
    assert stranger.user.is_active


def test_administrator_can_require_two_factor(admin_client, demo):
    # covers: M11
    admin_client.post("/shop/company/two-factor/", {"required": "on"})
    assert Company.objects.get(pk=demo["K0000001"].company_id).require_two_factor


def test_required_two_factor_applies_to_every_member(client, demo):
    # covers: M11
    from tests.functional.test_two_factor_bypass import _enrol_through_the_mailed_link

    Company.objects.filter(pk=demo["K0000004"].company_id).update(require_two_factor=True)
    client.force_login(demo["K0000004"].user)
    response = client.get("/shop/basket/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/setup/")
    codes = _enrol_through_the_mailed_link(client, demo["K0000004"].user, next_url="/shop/basket/")
    assert len(codes) == 10
    assert client.get("/shop/basket/").status_code == 200


def test_optional_device_is_asked_for_at_next_login(client, demo):
    # covers: M11
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=demo["K0000002"].user, name="phone", confirmed=True)
    client.post("/shop/accounts/login/", {"username": "K0000002", "password": "demo-buyer-2026"})
    response = client.get("/shop/basket/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/verify/")
    other = client.__class__()
    other.post("/shop/accounts/login/", {"username": "K0000003", "password": "demo-buyer-2026"})
    assert other.get("/shop/basket/").status_code == 200  # no device, not required: no second factor


def test_administrator_changes_the_company_address(admin_client, client, demo):
    # covers: M4, M5
    response = admin_client.post(
        "/shop/company/address/", {"postcode": "１０５００１１", "address": "東京都港区芝公園1-1-1"}
    )
    assert response.status_code == 302
    company = Company.objects.get(pk=demo["K0000001"].company_id)
    assert (company.postcode, company.address) == ("105-0011", "東京都港区芝公園1-1-1")
    bad = admin_client.post("/shop/company/address/", {"postcode": "12", "address": ""}).content.decode()
    assert "郵便番号は7桁" in bad and "所在地住所を入力してください" in bad
    client.force_login(demo["K0000004"].user)
    assert client.get("/shop/company/address/").status_code == 404
