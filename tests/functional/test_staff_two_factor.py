"""Staff areas refuse a session without a verified TOTP device (M11, staff part)."""

import re

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

STAFF_AREAS = ["/shop/dashboard/", "/cms-admin/", "/django-admin/"]


def code_for(device):
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "staff1", "staff1@kobai.example", "pw-staff-123", is_staff=True, is_superuser=True
    )


@pytest.mark.parametrize("area", STAFF_AREAS)
def test_staff_without_device_is_sent_to_enrol(client, staff, area):
    # covers: M11
    client.force_login(staff)
    response = client.get(area)
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/setup/")


@pytest.mark.parametrize("area", STAFF_AREAS)
def test_staff_with_device_but_unverified_session_is_refused(client, staff, area):
    # covers: M11
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    response = client.get(area)
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/verify/")


def test_wrong_code_keeps_the_door_shut(client, staff):
    # covers: M11
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    response = client.post("/two-factor/verify/?next=/shop/dashboard/", {"token": "000000", "next": "/shop/dashboard/"})
    assert response.status_code == 200
    assert "コードが正しくない" in response.content.decode()
    assert client.get("/shop/dashboard/").status_code == 302


def test_verified_session_enters_dashboard_and_cms(client, staff):
    # covers: M11
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    response = client.post("/two-factor/verify/", {"token": code_for(device), "next": "/shop/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/shop/dashboard/"
    assert client.get("/shop/dashboard/").status_code == 200
    assert client.get("/cms-admin/").status_code == 200


def test_enrolment_confirms_a_new_device(client, staff):
    # covers: M11
    from tests.functional.test_two_factor_bypass import _enrol_through_the_mailed_link

    client.force_login(staff)
    assert client.get("/two-factor/enrol/?next=/cms-admin/")["Location"].startswith("/two-factor/setup/")
    _enrol_through_the_mailed_link(client, staff, next_url="/cms-admin/")
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert client.get("/cms-admin/").status_code == 200


def test_next_cannot_leave_the_site(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    response = client.post("/two-factor/verify/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_buyer_pages_do_not_ask_for_a_second_factor(client, django_user_model):
    buyer = django_user_model.objects.create_user("buyer1", "b@example.jp", "pw")
    client.force_login(buyer)
    assert client.get("/shop/accounts/").status_code in (200, 302)
    assert not client.get("/shop/basket/").get("Location", "").startswith("/two-factor/")


def test_show_totp_prints_a_working_secret(capsys, staff):
    # covers: M11
    call_command("show_totp", "staff1")
    out = capsys.readouterr().out
    code = re.search(r"current code: (\d{6})", out).group(1)
    device = TOTPDevice.objects.get(user=staff, confirmed=True)
    assert device.verify_token(code)


def test_cms_editor_without_staff_flag_also_needs_a_second_factor(client, django_user_model):
    # covers: M11
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("editor1", "editor1@kobai.example", "pw")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    response = client.get("/cms-admin/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/setup/")
