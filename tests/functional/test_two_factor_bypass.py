"""The second factor cannot be skipped (M11), with the attack from issue 9 replayed.

The attack: with only a staff password, POST an empty code to the enrolment
page (which used to make a fresh device and print its secret), compute a code
from that secret, POST it, and walk into the dashboard, the CMS admin and the
Django admin. Now the set-up page opens only from a link mailed to the
account, a user with a device must verify before adding another, and every
verify is throttled by django-otp.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.twofactor.models import BackupCode, BackupCodeDevice, TwoFactorEvent

pytestmark = pytest.mark.django_db

STAFF_AREAS = ["/shop/dashboard/", "/cms-admin/", "/django-admin/", "/cms-admin/pages/", "/shop/dashboard/b2b-orders/"]
PASSWORD = "pw-staff-2026-long"


def code_for(device: TOTPDevice, at=None) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def _secret_in(html: str) -> str | None:
    found = re.search(r'class="twofactor-secret">([A-Z2-7=]+)<', html)
    return found.group(1) if found else None


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "staff-a", "staff-a@kobai.example", PASSWORD, is_staff=True, is_superuser=True
    )


def _password_only(client, user):
    """Sign in through Wagtail's login page with the password alone."""
    response = client.post("/cms-admin/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _assert_no_staff_area(client):
    for area in STAFF_AREAS:
        response = client.get(area)
        assert response.status_code == 302, area
        assert response["Location"].startswith("/two-factor/"), (area, response["Location"])


def _replay_attack(client) -> None:
    """Issue 9's sequence: empty code → secret → code from that secret → staff areas."""
    before = set(TOTPDevice.objects.values_list("pk", flat=True))
    for _ in range(3):
        response = client.post("/two-factor/enrol/", {"token": "", "next": "/shop/dashboard/"})
        assert response.status_code == 302
        assert _secret_in(response.content.decode()) is None
        page = client.get("/two-factor/enrol/")
        assert page.status_code == 302 and _secret_in(page.content.decode()) is None
    # no device was made for the attacker to confirm
    assert set(TOTPDevice.objects.values_list("pk", flat=True)) == before
    for device in TOTPDevice.objects.filter(confirmed=False):
        client.post("/two-factor/enrol/", {"token": code_for(device), "next": "/shop/dashboard/"})
    _assert_no_staff_area(client)


def test_staff_without_a_device_cannot_pass_with_the_password_alone(client, staff):
    # covers: M11
    _password_only(client, staff)
    _assert_no_staff_area(client)
    assert client.get("/shop/dashboard/")["Location"].startswith("/two-factor/setup/")
    _replay_attack(client)
    # the set-up link goes to the account's own mailbox, never into the page
    mail.outbox.clear()
    response = client.post("/two-factor/setup/", {"next": "/shop/dashboard/"})
    assert response.status_code == 200
    assert not re.search(r"/two-factor/setup/[^\"/\s]+/", response.content.decode())
    _assert_no_staff_area(client)
    assert not TOTPDevice.objects.filter(user=staff, confirmed=True).exists()


def test_staff_with_a_device_cannot_add_another_without_verifying(client, staff):
    # covers: M11
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    _password_only(client, staff)
    _assert_no_staff_area(client)
    _replay_attack(client)
    assert client.get("/two-factor/enrol/")["Location"].startswith("/two-factor/verify/")
    # the mailed link does not help either: a device exists, so only a code opens the door
    response = client.post("/two-factor/setup/", {"next": "/"})
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/verify/")
    assert TOTPDevice.objects.filter(user=staff).count() == 1
    assert client.get("/two-factor/devices/")["Location"].startswith("/two-factor/verify/")


def test_an_oscar_partner_user_also_needs_the_second_factor(client, django_user_model):
    # covers: M11
    from oscar.core.loading import get_model

    Partner = get_model("partner", "Partner")
    partner_user = django_user_model.objects.create_user("partner-1", "p1@maker.example", PASSWORD)
    Partner.objects.create(name="メーカー株式会社").users.add(partner_user)
    client.force_login(partner_user)
    _assert_no_staff_area(client)


def _outbox_link(email: str) -> str:
    from shop.notifications.models import OutboundEmail

    message = OutboundEmail.objects.filter(to__icontains=email).order_by("-pk").first()
    return re.search(r"https?://[^/\s]+(/two-factor/setup/\S+/)", message.body).group(1)


def _enrol_through_the_mailed_link(client, user, next_url="/shop/dashboard/") -> list[str]:
    client.post("/two-factor/setup/", {"next": next_url})
    link = _outbox_link(user.email)
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/enrol/")
    page = client.get(response["Location"])
    assert page.status_code == 200 and _secret_in(page.content.decode())
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    shown = client.post("/two-factor/enrol/", {"token": code_for(device), "next": next_url})
    assert shown.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", shown.content.decode())
    assert len(codes) == 10
    return codes


def test_first_device_is_set_up_from_the_mailed_link_and_backup_codes_are_shown_once(client, staff, caplog):
    # covers: M11
    _password_only(client, staff)
    with caplog.at_level(logging.INFO, logger="kobai.security"):
        codes = _enrol_through_the_mailed_link(client, staff)
    assert client.get("/shop/dashboard/").status_code == 200
    assert client.get("/cms-admin/").status_code == 200
    # stored hashed: no plain code in the table
    digests = list(BackupCode.objects.filter(device__user=staff).values_list("digest", flat=True))
    assert len(digests) == 10 and not {code.replace("-", "") for code in codes} & set(digests)
    kinds = list(TwoFactorEvent.objects.filter(user=staff).values_list("kind", flat=True))
    assert {"enrol-link-sent", "enrolled", "backup-codes-issued"} <= set(kinds)
    assert any("two-factor enrolled" in record.getMessage() for record in caplog.records)
    # shown once: the devices page says how many remain, never the codes
    page = client.get("/two-factor/devices/").content.decode()
    assert codes[0] not in page and "10" in page


def test_another_users_link_or_an_old_link_opens_nothing(client, staff, django_user_model, settings):
    # covers: M11
    settings.KOBAI_SESSION_IDLE_SECONDS = 2 * 60 * 60  # stay signed in while the clock jumps
    other = django_user_model.objects.create_user("staff-b", "staff-b@kobai.example", PASSWORD, is_staff=True)
    _password_only(client, other)
    client.post("/two-factor/setup/", {"next": "/"})
    link = _outbox_link(other.email)
    client.logout()
    _password_only(client, staff)
    assert client.get(link)["Location"] == "/two-factor/setup/"
    assert client.get("/two-factor/enrol/")["Location"].startswith("/two-factor/setup/")
    client.post("/two-factor/setup/", {"next": "/"})
    own = _outbox_link(staff.email)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get(own)["Location"] == "/two-factor/setup/"
        assert client.get("/two-factor/enrol/")["Location"].startswith("/two-factor/setup/")


def test_backup_codes_work_once_each(client, staff):
    # covers: M11
    _password_only(client, staff)
    codes = _enrol_through_the_mailed_link(client, staff)
    client.logout()

    _password_only(client, staff)
    response = client.post("/two-factor/verify/", {"token": codes[0].upper(), "next": "/shop/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/shop/dashboard/"
    assert client.get("/shop/dashboard/").status_code == 200
    client.logout()

    _password_only(client, staff)
    again = client.post("/two-factor/verify/", {"token": codes[0], "next": "/shop/dashboard/"})
    assert again.status_code == 200
    _assert_no_staff_area(client)
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        second = client.post("/two-factor/verify/", {"token": codes[1].replace("-", " "), "next": "/"})
        assert second.status_code == 302
    assert BackupCodeDevice.objects.get(user=staff).remaining == 8
    assert TwoFactorEvent.objects.filter(user=staff, kind="backup-code-used").count() == 2


def test_every_verify_is_throttled(client, staff):
    # covers: M11, M12
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    _password_only(client, staff)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.post("/two-factor/verify/", {"token": "000000", "next": "/"}).status_code == 200
        # even the right code is refused while the device is throttled
        refused = client.post("/two-factor/verify/", {"token": code_for(device, at=start.timestamp()), "next": "/"})
        assert refused.status_code == 200
        assert "秒後" in refused.content.decode()
        assert TwoFactorEvent.objects.filter(user=staff, kind="throttled").exists()
    _assert_no_staff_area(client)
    later = start + timedelta(seconds=3)
    with time_machine.travel(later, tick=False):
        ok = client.post("/two-factor/verify/", {"token": code_for(device, at=later.timestamp()), "next": "/"})
        assert ok.status_code == 302


def test_a_verified_user_adds_and_removes_devices_and_both_are_logged(client, staff):
    # covers: M11
    first = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    _password_only(client, staff)
    assert client.post("/two-factor/verify/", {"token": code_for(first), "next": "/"}).status_code == 302
    page = client.get("/two-factor/enrol/?next=/two-factor/devices/")
    assert page.status_code == 200 and _secret_in(page.content.decode())
    new = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post("/two-factor/enrol/", {"token": code_for(new), "next": "/two-factor/devices/"})
    assert response.status_code == 200  # first backup codes are shown
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 2
    removed = client.post(f"/two-factor/devices/{first.pk}/remove/")
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    kinds = set(TwoFactorEvent.objects.filter(user=staff).values_list("kind", flat=True))
    assert {"enrolled", "removed"} <= kinds
    # another user's device cannot be removed
    other = TOTPDevice.objects.create(user=staff.__class__.objects.create_user("x9", "x9@k.example"), confirmed=True)
    assert client.post(f"/two-factor/devices/{other.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
