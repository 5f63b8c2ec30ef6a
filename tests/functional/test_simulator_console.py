"""The deferred-invoice simulator's operator console is for the credit desk's staff only (P2, M11).

`/_sim/invoice/console/` decides screenings and reviews as the partner's own staff would. It needs a
signed-in staff member with the credit role's permission, a second factor, and a CSRF token on every
POST; the credit line it grants is a whole number of yen up to the simulator's own ceiling.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.payments import invoice
from shop.payments.models import SimBuyer

pytestmark = pytest.mark.django_db

CONSOLE = "/_sim/invoice/console/"


@pytest.fixture
def pending_buyer(settings):
    """A company the simulator holds for its staff to decide (a name with 「保留」)."""
    settings.KOBAI_INVOICE_PARTNER = "simulator"
    settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT = 3_000_000
    settings.KOBAI_SIM_INVOICE_WEBHOOK_URL = ""
    screening = invoice.get_partner().screen(
        company_name="株式会社保留コンソール", postcode="100-0005", address="東京都千代田区", representative="代表"
    )
    assert screening.status == "pending"
    return SimBuyer.objects.get(buyer_id=screening.buyer_id)


def verified(client: Client, user) -> Client:
    """A signed-in session whose second factor was verified (as after /two-factor/verify/)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def credit_desk(django_user_model):
    """A staff member holding the credit role's permission, and nothing else."""
    user = django_user_model.objects.create_user(
        "creditdesk", "creditdesk@kobai.example", "pw-staff-123", is_staff=True
    )
    user.user_permissions.add(Permission.objects.get(content_type__app_label="payments", codename="manage_credit"))
    return user


def csrf_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def approve(client: Client, buyer: SimBuyer, credit_limit, **extra):
    data = {"action": "approve-buyer", "reference": buyer.buyer_id, "credit_limit": credit_limit, **extra}
    return client.post(CONSOLE, data)


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, pending_buyer):
    # covers: P2
    response = client.get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith("/shop/accounts/login/?next=")
    response = approve(client, pending_buyer, 3_000_000)
    assert response.status_code == 302 and "/login/" in response["Location"]
    pending_buyer.refresh_from_db()
    assert pending_buyer.status == "pending"


def test_a_buyer_is_refused(client, members, pending_buyer):
    # covers: P2, M11
    buyer = members["K0000001"].user  # the demo company's administrator
    client.force_login(buyer)
    response = client.get(CONSOLE)  # without a second factor: sent to the two-factor pages first
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/")
    verified(client, buyer)  # and with one, refused by the console itself
    assert client.get(CONSOLE).status_code == 403
    assert approve(client, pending_buyer, 3_000_000).status_code == 403
    pending_buyer.refresh_from_db()
    assert pending_buyer.status == "pending"


def test_staff_without_the_credit_permission_are_refused(client, django_user_model, pending_buyer):
    # covers: P2
    clerk = django_user_model.objects.create_user("clerk", "clerk@kobai.example", "pw-staff-123", is_staff=True)
    verified(client, clerk)
    assert client.get(CONSOLE).status_code == 403
    assert approve(client, pending_buyer, 3_000_000).status_code == 403
    pending_buyer.refresh_from_db()
    assert pending_buyer.status == "pending"


def test_the_console_needs_a_verified_second_factor(client, credit_desk):
    # covers: M11
    client.force_login(credit_desk)
    response = client.get(CONSOLE)  # no device yet: sent to set one up
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/")
    TOTPDevice.objects.create(user=credit_desk, name="phone", confirmed=True)
    response = client.get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/verify/")


def test_a_post_without_csrf_token_is_refused(credit_desk, pending_buyer):
    # covers: P2
    client = verified(Client(enforce_csrf_checks=True), credit_desk)
    assert client.get(CONSOLE).status_code == 200
    assert approve(client, pending_buyer, 3_000_000).status_code == 403
    pending_buyer.refresh_from_db()
    assert pending_buyer.status == "pending"


def test_the_credit_desk_approves_a_buyer_with_a_csrf_token(credit_desk, pending_buyer):
    # covers: P2
    client = verified(Client(enforce_csrf_checks=True), credit_desk)
    page = client.get(CONSOLE)
    assert page.status_code == 200 and pending_buyer.buyer_id in page.content.decode()
    response = approve(client, pending_buyer, 2_500_000, csrfmiddlewaretoken=csrf_token(page))
    assert response.status_code == 302 and response["Location"] == CONSOLE
    pending_buyer.refresh_from_db()
    assert (pending_buyer.status, pending_buyer.credit_limit) == ("approved", 2_500_000)
    # decided once: the console does not re-decide (or re-price) a buyer that is no longer waiting
    response = approve(client, pending_buyer, 1_000_000, csrfmiddlewaretoken=csrf_token(page))
    assert response.status_code == 404
    pending_buyer.refresh_from_db()
    assert pending_buyer.credit_limit == 2_500_000


@pytest.mark.parametrize("credit_limit", ["3000001", "99999999999999", "0", "-5", "1.5", "", "abc"])
def test_the_console_grants_no_credit_line_beyond_the_simulators_ceiling(
    client, django_user_model, pending_buyer, credit_limit
):
    # covers: P2
    operator = django_user_model.objects.create_user(
        "simroot", "simroot@kobai.example", "pw-staff-123", is_staff=True, is_superuser=True
    )
    verified(client, operator)
    response = client.post(
        CONSOLE,
        {"action": "approve-buyer", "reference": pending_buyer.buyer_id, "credit_limit": credit_limit},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credit_limit"
    assert "3,000,000" in response.json()["error"]["message"]
    pending_buyer.refresh_from_db()
    assert (pending_buyer.status, pending_buyer.credit_limit) == ("pending", 0)
