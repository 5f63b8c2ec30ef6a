"""Staff alerts (issue 10): a problem the shop cannot fix by itself reaches a person and stays until dealt with.

`shop.alerts.services.raise_alert(...)` writes the alert, logs it at ERROR on "kobai.alerts" and
emails (through the outbox) the active staff members who hold the alert's permission. The
dashboard's 「スタッフ通知」 lists open alerts newest first, with their number as a badge in the
menu, and 「対応済みにする」 closes one with an optional note, recording who did it.
"""

# covers: E1, S1

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail as django_mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from shop.accounts import roles
from shop.alerts import services
from shop.alerts.models import StaffAlert
from shop.notifications.models import OutboundEmail
from tests.functional.test_staff_access_matrix import _verified_client

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
LIST = reverse("alerts-dashboard:alert-list")


@pytest.fixture
def staff(django_user_model):
    """Who is who: 受注管理 (two, one of them inactive), 与信管理, staff with no role, a superuser, a buyer-like user."""

    def user(username, *keys, **fields):
        fields.setdefault("is_staff", True)
        made = django_user_model.objects.create_user(username, f"{username}@kobai.example", "pw", **fields)
        if keys:
            roles.grant(made, *keys)
        return made

    return {
        "orders": user("alert-orders", "orders"),
        "orders-gone": user("alert-orders-gone", "orders", is_active=False),
        "credit": user("alert-credit", "credit"),
        "no-role": user("alert-norole"),
        "root": user("alert-root", is_superuser=True),
        "not-staff": user("alert-notstaff", "orders", is_staff=False),
    }


def raise_settlement_alert(**overrides):
    fields = {
        "kind": "settlement_stuck",
        "title": "決済の確定が24時間止まっています（注文 T0000001）",
        "body": "後払いの確定通知が届いていません。決済代行会社の管理画面で状態を確認してください。",
        "link": "/shop/dashboard/b2b-orders/T0000001/",
        "dedupe_key": "settlement:T0000001",
        **overrides,
    }
    return services.raise_alert(**fields)


def page_of(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_raising_an_alert_records_it_logs_an_error_and_emails_the_permission_holders(
    staff, caplog, django_capture_on_commit_callbacks
):
    # covers: E1, S1
    caplog.set_level(logging.INFO, logger="kobai.alerts")
    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_settlement_alert()
    assert alert.pk and alert.resolved_at is None and alert.kind == "settlement_stuck"
    [record] = [r for r in caplog.records if r.name == "kobai.alerts"]
    assert record.levelno == logging.ERROR and alert.title in record.getMessage()
    # the active staff who hold order.manage_orders (受注管理 and the superuser), each alone in To
    assert sorted(m.to[0] for m in django_mail.outbox) == ["alert-orders@kobai.example", "alert-root@kobai.example"]
    assert all(len(m.recipients()) == 1 for m in django_mail.outbox)
    assert all(m.subject.endswith(alert.title) for m in django_mail.outbox)
    body = django_mail.outbox[0].body
    assert alert.body in body
    assert "http://127.0.0.1:8000/shop/dashboard/b2b-orders/T0000001/" in body  # the link, absolute
    assert f"http://127.0.0.1:8000{LIST}" in body
    assert set(OutboundEmail.objects.values_list("template", flat=True)) == {"staff_alert"}

    # the same problem again while the alert is open: the same alert, no second email, no second row
    with django_capture_on_commit_callbacks(execute=True):
        again = raise_settlement_alert(title="もう一度")
    assert again.pk == alert.pk and StaffAlert.objects.count() == 1 and len(django_mail.outbox) == 2

    # another permission reaches other people: 与信管理 (and the superuser)
    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_alert(
            kind="credit_check", title="与信の確認", body="", dedupe_key="", permission=roles.MANAGE_CREDIT
        )
    assert sorted(m.to[0] for m in django_mail.outbox) == ["alert-credit@kobai.example", "alert-root@kobai.example"]


def test_an_email_dead_alert_sends_no_email(staff, django_capture_on_commit_callbacks):
    # covers: E1 (email being down is shown on the dashboard badge, not emailed)
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.raise_alert(kind="email_dead", title="メールを送れません", body="", dedupe_key="email_dead:1")
    assert alert.pk and django_mail.outbox == [] and not OutboundEmail.objects.exists()


def test_the_open_alert_per_key_is_unique_in_the_database(staff):
    # covers: S1 (two processes raising the same problem at once still make one open alert)
    raise_settlement_alert()
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffAlert.objects.create(kind="x", title="twin", dedupe_key="settlement:T0000001")
    StaffAlert.objects.create(kind="x", title="no key")
    StaffAlert.objects.create(kind="x", title="no key either")  # blank keys never collide
    assert StaffAlert.objects.count() == 3


def test_staff_list_and_resolve_alerts_and_the_badge_follows(staff, django_assert_num_queries):
    # covers: S1
    with time_machine.travel(START, tick=False) as clock:
        older = raise_settlement_alert()
        clock.shift(timedelta(minutes=10))
        newer = raise_settlement_alert(title="請求書の発行に失敗しました", dedupe_key="invoice:42", link="")
        clock.shift(timedelta(minutes=10))
        with django_assert_num_queries(1):
            assert services.open_count() == 2

        client = _verified_client(staff["orders"])
        page = page_of(client.get(LIST))
        assert [row["data-alert"] for row in page.select("table.alerts-open tr[data-alert]")] == [
            str(newer.pk),
            str(older.pk),
        ]  # newest first
        assert page.select_one('nav.navbar-primary [data-nav-badge="alerts-dashboard:alert-list"]').text == "2"
        # the badge is in the menu of every dashboard page, e.g. the home page
        home = page_of(client.get(reverse("dashboard:index")))
        assert home.select_one('[data-nav-badge="alerts-dashboard:alert-list"]').text == "2"

        response = client.post(
            reverse("alerts-dashboard:alert-resolve", kwargs={"pk": older.pk}), {"note": "代行会社に確認し再送済み"}
        )
        assert response.status_code == 302 and response["Location"] == LIST
        older.refresh_from_db()
        assert (older.resolved_by, older.resolved_at, older.resolution_note) == (
            staff["orders"],
            START + timedelta(minutes=20),
            "代行会社に確認し再送済み",
        )
        page = page_of(client.get(LIST))
        assert [row["data-alert"] for row in page.select("table.alerts-open tr[data-alert]")] == [str(newer.pk)]
        resolved = page.select_one(f'table.alerts-resolved tr[data-alert="{older.pk}"]')
        assert "代行会社に確認し再送済み" in resolved.get_text()
        assert resolved.select_one("[data-resolved-by]")["data-resolved-by"] == "alert-orders"
        assert page.select_one('[data-nav-badge="alerts-dashboard:alert-list"]').text == "1"

        # a note is optional; resolving twice changes nothing
        client.post(reverse("alerts-dashboard:alert-resolve", kwargs={"pk": newer.pk}))
        newer.refresh_from_db()
        assert newer.resolved_by == staff["orders"] and newer.resolution_note == ""
        client.post(reverse("alerts-dashboard:alert-resolve", kwargs={"pk": older.pk}), {"note": "上書き"})
        older.refresh_from_db()
        assert older.resolution_note == "代行会社に確認し再送済み"
        assert services.open_count() == 0
        assert page_of(client.get(LIST)).select_one('[data-nav-badge="alerts-dashboard:alert-list"]') is None

        # the problem comes back after it was resolved: a new alert
        again = raise_settlement_alert()
        assert again.pk not in (older.pk, newer.pk) and services.open_count() == 1


def test_staff_without_the_order_role_cannot_see_or_resolve_alerts(staff, client):
    # covers: S1
    alert = raise_settlement_alert()
    resolve = reverse("alerts-dashboard:alert-resolve", kwargs={"pk": alert.pk})
    for who in ("credit", "no-role"):
        refused = _verified_client(staff[who])
        assert refused.get(LIST).status_code == 403
        assert refused.post(resolve, {"note": "x"}).status_code == 403
        home = refused.get(reverse("dashboard:index"))
        assert LIST.encode() not in home.content  # no menu entry, no badge
    anonymous = client.post(resolve)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/shop/dashboard/login/")
    alert.refresh_from_db()
    assert alert.resolved_at is None and alert.resolved_by is None
    # the service refuses too, whatever calls it
    with pytest.raises(PermissionDenied):
        services.resolve(alert_id=alert.pk, by=staff["credit"])
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_an_unsafe_link_is_not_rendered_as_a_link(staff):
    # covers: S1
    services.raise_alert(kind="x", title="リンク", body="", link="javascript:alert(1)")
    page = page_of(_verified_client(staff["orders"]).get(LIST))
    assert not page.select('table.alerts-open a[href^="javascript"]')
