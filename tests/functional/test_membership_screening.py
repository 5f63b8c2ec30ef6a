"""Screening (M2) and activation with a 72-hour first-password link (M3)."""

import re
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.accounts.roles import grant
from shop.companies.models import Company, Member, MembershipApplication
from tests.functional.test_membership_apply import valid_data
from tests.functional.test_staff_two_factor import code_for

pytestmark = pytest.mark.django_db

LIST = "/shop/dashboard/applications/"


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user("screener", "screener@kobai.example", "pw", is_staff=True)
    grant(staff, "screening")  # 会員審査 (S1)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client


def _application(**overrides):
    data = {k: v for k, v in valid_data().items() if k not in ("submission_key", "agree")}
    data.update(company_postcode="100-0005", applicant_phone="03-1234-5678", authority_phone="090-1234-5678")
    data.update(overrides)
    return MembershipApplication.objects.create(**data)


def _links(messages):
    return {m.to[0]: re.search(r"https?://\S+/first-password/\S+/", m.body).group(0) for m in messages}


def _path(link):
    return re.sub(r"^https?://[^/]+", "", link)


def test_pending_list_shows_business_day_age_and_overdue(staff_client):
    # covers: M2
    fresh = _application(company_name="新しい株式会社")
    old = _application(company_name="古い株式会社")
    # 2026-04-28 (Tue) → 2026-05-08 (Fri) is 4 business days: Golden Week is not counted
    MembershipApplication.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    html = staff_client.get(LIST).content.decode()
    assert "新しい株式会社" in html and "古い株式会社" in html
    row = re.search(rf'<tr class="([^"]*)" data-application="{old.pk}">(.*?)</tr>', html, re.S)
    assert "overdue" in row.group(1) and "期限超過" in row.group(2)
    fresh_row = re.search(rf'<tr class="([^"]*)" data-application="{fresh.pk}">(.*?)</tr>', html, re.S)
    assert "overdue" not in fresh_row.group(1) and "0営業日" in fresh_row.group(2)


def test_buyers_cannot_open_screening(client, django_user_model):
    # covers: M2
    client.force_login(django_user_model.objects.create_user("buyer9", "b9@example.jp", "pw"))
    response = client.get(LIST)  # refused, or first sent to a second factor they do not have
    assert response.status_code == 403 or response["Location"].startswith("/two-factor/")


def test_approval_creates_company_members_and_sends_links(staff_client, client, django_capture_on_commit_callbacks):
    # covers: M2, M3, P2
    application = _application()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{LIST}{application.pk}/", {"action": "approve"})
    assert response.status_code == 302
    company = Company.objects.get(name="株式会社サンプル商事")
    admin = Member.objects.get(company=company, role="admin")
    member = Member.objects.get(company=company, role="member")
    assert admin.has_ordering_authority and admin.user.email == "ichiro.suzuki@sample-shoji.example.jp"
    assert not member.has_ordering_authority and member.user.email == "hanako.sato@sample-shoji.example.jp"
    assert not admin.user.has_usable_password()
    assert company.invoice_buyer_id and company.credit_limit > 0  # screened by the payment partner (P2)
    assert len(django_mail.outbox) == 2
    for message in django_mail.outbox:
        assert "法人会員登録が完了しました" in message.subject
    assert admin.user.username in django_mail.outbox[0].body or admin.user.username in django_mail.outbox[1].body
    link = _path(_links(django_mail.outbox)[member.user.email])

    page = client.get(link)
    assert page.status_code == 200 and member.user.username in page.content.decode()
    done = client.post(link, {"new_password1": "Kobai-Secret-2026", "new_password2": "Kobai-Secret-2026"})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.user.check_password("Kobai-Secret-2026") and member.password_deadline is None
    reused = client.get(link)
    assert reused.status_code == 404 and "使用済み" in reused.content.decode()
    again = staff_client.post(f"{LIST}{application.pk}/", {"action": "approve"}, follow=True)
    assert "すでに処理済み" in again.content.decode()
    assert Company.objects.count() == 1


def test_expired_link_is_refused_and_a_reissued_one_works(
    staff_client, client, django_capture_on_commit_callbacks, monkeypatch
):
    # covers: M3
    from shop.companies import activation

    application = _application()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{LIST}{application.pk}/", {"action": "approve"})
    member = Member.objects.get(role="member")
    old_link = _path(_links(django_mail.outbox)[member.user.email])
    at_issue = timezone.now()
    monkeypatch.setattr(activation, "_now", lambda: at_issue + timedelta(hours=71, minutes=59))
    assert client.get(old_link).status_code == 200  # still valid just before 72 hours
    monkeypatch.setattr(activation, "_now", lambda: at_issue + timedelta(hours=72, minutes=1))
    expired = client.get(old_link)
    assert expired.status_code == 410 and "有効期限" in expired.content.decode()
    assert (
        client.post(old_link, {"new_password1": "Kobai-Secret-2026", "new_password2": "Kobai-Secret-2026"}).status_code
        == 410
    )
    assert "期限切れ" in staff_client.get(f"{LIST}{application.pk}/").content.decode()

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{LIST}{application.pk}/", {"action": "reissue", "member": member.pk})
    # still "72 hours after the first issue": the reissued link runs 72 hours from now on
    new_link = _path(_links(django_mail.outbox)[member.user.email])
    assert new_link != old_link
    assert client.get(old_link).status_code == 404  # the old link died with the reissue
    assert (
        client.post(new_link, {"new_password1": "Kobai-Secret-2026", "new_password2": "Kobai-Secret-2026"}).status_code
        == 302
    )
    member.refresh_from_db()
    assert member.user.check_password("Kobai-Secret-2026")


def test_link_is_valid_until_72_hours(staff_client, client, django_capture_on_commit_callbacks):
    # covers: M3
    application = _application()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"{LIST}{application.pk}/", {"action": "approve"})
    member = Member.objects.get(role="member")
    assert timedelta(hours=71, minutes=59) < member.password_deadline - timezone.now() <= timedelta(hours=72)


def test_rejection_needs_a_reason_and_emails_it(staff_client, django_capture_on_commit_callbacks):
    # covers: M2
    application = _application()
    missing = staff_client.post(f"{LIST}{application.pk}/", {"action": "reject", "reason": " "})
    assert missing.status_code == 400 and "却下理由を入力してください" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"{LIST}{application.pk}/", {"action": "reject", "reason": "法人の実在を確認できませんでした。"}
        )
    application.refresh_from_db()
    assert application.status == "rejected" and Company.objects.count() == 0
    (message,) = django_mail.outbox
    assert message.to == ["hanako.sato@sample-shoji.example.jp"]
    assert "法人の実在を確認できませんでした。" in message.body
