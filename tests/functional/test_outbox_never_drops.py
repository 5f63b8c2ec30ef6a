"""The outbox never drops an email (issue 10: "money stays right for a year", E1).

Issue 10 found two things: after 5 failed attempts (a few minutes) a message was FAILED for good
with only a WARNING, so a short provider outage lost order confirmations; and the request itself
sent the email. Now a worker (`run_worker`) sends the outbox, a failed attempt is retried later
and later for about a day, and only then does the message become a dead letter: logged at ERROR,
raised as a staff alert, shown on the outbox screen where 受注管理 resends it.

Simulated time (time-machine) drives the retries; the worker ticks every 5 simulated minutes with
`call_command("run_worker", "--once")`. The provider is a test backend that refuses every message
until a chosen moment.
"""

# covers: E1, S1

from __future__ import annotations

import email
import email.policy
import importlib
import logging
import os
import signal
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail as django_mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from shop.accounts import roles
from shop.alerts.models import StaffAlert
from shop.notifications import mail
from shop.notifications.models import EmailResend, OutboundEmail
from shop.order import placement
from tests.factories import MemberFactory
from tests.functional.test_staff_access_matrix import _verified_client
from tests.order_factories import make_order

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
TICK = timedelta(minutes=5)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class OutageBackend(BaseEmailBackend):
    """The mail provider: refuses every message until `back_at` (simulated time; None: never), then delivers
    into django.core.mail.outbox. `calls` counts the connections the outbox opened."""

    back_at: datetime | None = None
    calls = 0

    def send_messages(self, email_messages):
        type(self).calls += 1
        if self.back_at is None or timezone.now() < self.back_at:
            raise ConnectionError("provider unavailable (simulated outage)")
        return LocmemBackend().send_messages(email_messages)


@pytest.fixture
def provider(settings):
    """Delivery through OutageBackend, and no sending in the request: the worker sends (production's setting)."""
    settings.KOBAI_EMAIL_DELIVERY_BACKEND = f"{__name__}.OutageBackend"
    settings.KOBAI_EMAIL_DELIVER_ON_COMMIT = False
    settings.KOBAI_WORKER_JOBS = ["shop.notifications.mail.deliver_pending"]
    OutageBackend.back_at = None
    OutageBackend.calls = 0
    yield OutageBackend
    OutageBackend.back_at = None


def tick(clock) -> None:
    """One worker tick, then five simulated minutes pass."""
    call_command("run_worker", "--once")
    clock.shift(TICK)


def statuses() -> dict[int, str]:
    return dict(OutboundEmail.objects.values_list("pk", "status"))


def quote_mail() -> EmailMessage:
    """A message with the whole envelope: Cc, Bcc, Reply-To, an extra header and a PDF."""
    message = EmailMessage(
        "見積書の送付",
        "見積書をお送りします。",
        "Kobai <noreply@kobai.example>",
        ["buyer@example.jp"],
        cc=["manager@example.jp"],
        bcc=["audit@kobai.example"],
        reply_to=["sales@kobai.example"],
        headers={"X-Kobai-Template": "quote_sent", "Auto-Submitted": "auto-generated"},
    )
    message.attach("見積書.pdf", PDF, "application/pdf")
    return message


def assert_quote_mail_intact(sent) -> None:
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert sorted(sent.recipients()) == ["audit@kobai.example", "buyer@example.jp", "manager@example.jp"]
    assert parsed["Bcc"] is None and b"audit@kobai.example" not in sent.message().as_bytes()
    assert (parsed["To"], parsed["Cc"], parsed["Reply-To"]) == (
        "buyer@example.jp",
        "manager@example.jp",
        "sales@kobai.example",
    )
    assert parsed["Auto-Submitted"] == "auto-generated" and parsed["X-Kobai-Template"] is None
    [pdf] = [part for part in parsed.walk() if part.get_filename() == "見積書.pdf"]
    assert pdf.get_payload(decode=True) == PDF and pdf.get_content_type() == "application/pdf"


def nav_badge(page, url_name: str) -> str | None:
    badge = page.select_one(f'nav.navbar-primary [data-nav-badge="{url_name}"]')
    return badge.get_text(strip=True) if badge else None


def test_a_four_hour_provider_outage_loses_no_email(provider, django_capture_on_commit_callbacks):
    # covers: E1 (issue 10: a provider outage no longer drops order confirmations; the request sends nothing)
    with time_machine.travel(START, tick=False) as clock:
        outage_ends = START + timedelta(hours=4)
        provider.back_at = outage_ends
        orders = [make_order(member=MemberFactory(role="admin", has_ordering_authority=True)) for _ in range(3)]
        with django_capture_on_commit_callbacks(execute=True):
            for order in orders:
                placement.send_received(order)  # 「ご注文を受付しました」: the email that confirms the order (O4)
            quote_mail().send()
        # the request (and its commit) only stored them: the worker sends
        assert provider.calls == 0 and django_mail.outbox == []
        assert set(statuses().values()) == {OutboundEmail.Status.PENDING} and len(statuses()) == 4

        while timezone.now() < outage_ends:
            tick(clock)
        rows = list(OutboundEmail.objects.order_by("pk"))
        # four hours of refusals: each message was tried many times (the old rule gave up after 5), none gave up
        assert all(row.status == OutboundEmail.Status.PENDING for row in rows)
        assert all(5 < row.attempts < mail.MAX_ATTEMPTS for row in rows), [row.attempts for row in rows]
        assert all("simulated outage" in row.last_error for row in rows)
        assert django_mail.outbox == []

        # the provider is back: the worker keeps ticking and everything goes out within the retry span
        for _ in range(int(timedelta(hours=20) / TICK)):
            if OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).exists():
                tick(clock)
        for _ in range(3):  # and further ticks send nothing twice
            tick(clock)

    assert set(statuses().values()) == {OutboundEmail.Status.SENT}  # none dead
    assert not StaffAlert.objects.exists()
    assert len(django_mail.outbox) == 4  # each exactly once
    received = sorted(message.to[0] for message in django_mail.outbox)
    assert received == sorted([order.user.email for order in orders] + ["buyer@example.jp"])
    for order in orders:
        [confirmation] = [m for m in django_mail.outbox if m.to == [order.user.email]]
        assert order.number in confirmation.subject and order.number in confirmation.body
    [quote] = [m for m in django_mail.outbox if m.to == ["buyer@example.jp"]]
    assert_quote_mail_intact(quote)  # Bcc, Cc, Reply-To, header and attachment survived every failed attempt


def test_a_permanent_outage_ends_in_a_dead_letter_that_staff_see_and_resend(provider, caplog, django_user_model):
    # covers: E1, S1 (issue 10: dead letter, ERROR log, staff alert, the outbox screen, 再送 with its audit)
    caplog.set_level(logging.WARNING)
    with time_machine.travel(START, tick=False) as clock:
        quote_mail().send()
        row = OutboundEmail.objects.get()
        # the provider never comes back: the worker retries for about a day, then gives up
        for _ in range(int(timedelta(hours=30) / TICK)):
            if OutboundEmail.objects.filter(pk=row.pk, status=OutboundEmail.Status.PENDING).exists():
                tick(clock)
        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.DEAD and row.attempts == mail.MAX_ATTEMPTS
        assert "simulated outage" in row.last_error
        assert timezone.now() - START >= timedelta(hours=23)  # it tried for about a day of simulated time
        assert provider.calls == mail.MAX_ATTEMPTS
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert any(r.name == "shop.notifications.mail" and f"email {row.pk} " in r.getMessage() for r in errors)
        assert any(r.name == "kobai.alerts" for r in errors)
        # the staff alert: one, about this email, not emailed (email is what is down)
        alert = StaffAlert.objects.get()
        assert (alert.kind, alert.dedupe_key, alert.resolved_at) == ("email_dead", f"email_dead:{row.pk}", None)
        assert alert.link.startswith(reverse("outbox-dashboard:email-list"))
        assert OutboundEmail.objects.count() == 1
        # a dead letter stays dead: later ticks neither send it nor raise a second alert
        for _ in range(3):
            tick(clock)
        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.DEAD and provider.calls == mail.MAX_ATTEMPTS
        assert StaffAlert.objects.count() == 1

        clerk = django_user_model.objects.create_user("outbox-orders", "orders@kobai.example", "pw", is_staff=True)
        roles.grant(clerk, "orders")  # 受注管理 holds notifications.resend_email
        credit = django_user_model.objects.create_user("outbox-credit", "credit@kobai.example", "pw", is_staff=True)
        roles.grant(credit, "credit")
        clerk_client, credit_client = _verified_client(clerk), _verified_client(credit)
        list_url = reverse("outbox-dashboard:email-list")
        resend_url = reverse("outbox-dashboard:email-resend", kwargs={"pk": row.pk})

        # the outbox screen lists it, the menu shows the count of dead letters and of open alerts
        response = clerk_client.get(list_url)
        assert response.status_code == 200
        page = BeautifulSoup(response.content, "html.parser")
        dead_row = page.select_one(f'table.outbox-dead tr[data-email="{row.pk}"]')
        assert dead_row is not None and "simulated outage" in dead_row.get_text()
        assert dead_row.select_one(f'form[action="{resend_url}"]') is not None
        assert nav_badge(page, "outbox-dashboard:email-list") == "1"
        assert nav_badge(page, "alerts-dashboard:alert-list") == "1"
        alerts_page = BeautifulSoup(clerk_client.get(reverse("alerts-dashboard:alert-list")).content, "html.parser")
        assert alerts_page.select_one(f'table.alerts-open tr[data-alert="{alert.pk}"]') is not None

        # 与信管理 holds no resend permission: refused (403), nothing changes
        assert credit_client.get(list_url).status_code == 403
        assert credit_client.post(resend_url).status_code == 403
        assert credit_client.post(reverse("outbox-dashboard:email-resend-all")).status_code == 403
        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.DEAD and not EmailResend.objects.exists()

        # 受注管理 resends it: back in the queue with a fresh set of attempts, who did it is recorded
        response = clerk_client.post(resend_url)
        assert response.status_code == 302 and response["Location"] == list_url
        row.refresh_from_db()
        assert (row.status, row.attempts, row.next_attempt_at) == (OutboundEmail.Status.PENDING, 0, timezone.now())
        audit = EmailResend.objects.get()
        assert (audit.email_id, audit.resent_by, audit.previous_status, audit.previous_attempts) == (
            row.pk,
            clerk,
            OutboundEmail.Status.DEAD,
            mail.MAX_ATTEMPTS,
        )
        assert "simulated outage" in audit.previous_error
        alert.refresh_from_db()
        assert alert.resolved_by == clerk and alert.resolved_at is not None  # the alert is dealt with too

        # the provider is back: the next tick delivers it, with its whole envelope
        provider.back_at = timezone.now()
        assert django_mail.outbox == []
        tick(clock)
        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.SENT and row.attempts == 1
        [sent] = django_mail.outbox
        assert_quote_mail_intact(sent)
        # a sent message cannot be resent (it would reach the customer twice)
        assert clerk_client.post(resend_url).status_code == 404
        assert EmailResend.objects.count() == 1
        page = BeautifulSoup(clerk_client.get(list_url).content, "html.parser")
        assert nav_badge(page, "outbox-dashboard:email-list") is None  # nothing dead: no badge
        assert nav_badge(page, "alerts-dashboard:alert-list") is None


def test_resend_all_puts_every_dead_letter_back_and_leaves_the_rest(provider, django_user_model):
    # covers: E1, S1
    dead = [
        OutboundEmail.objects.create(
            template="t", to=[f"dead{n}@example.jp"], subject="s", body="b", status="dead", attempts=15
        )
        for n in range(2)
    ]
    sent = OutboundEmail.objects.create(template="t", to=["ok@example.jp"], subject="s", body="b", status="sent")
    clerk = django_user_model.objects.create_user("outbox-all", "all@kobai.example", "pw", is_staff=True)
    roles.grant(clerk, "orders")
    response = _verified_client(clerk).post(reverse("outbox-dashboard:email-resend-all"))
    assert response.status_code == 302
    assert statuses() == {
        dead[0].pk: OutboundEmail.Status.PENDING,
        dead[1].pk: OutboundEmail.Status.PENDING,
        sent.pk: OutboundEmail.Status.SENT,
    }
    assert sorted(EmailResend.objects.filter(resent_by=clerk).values_list("email_id", flat=True)) == [
        dead[0].pk,
        dead[1].pk,
    ]
    provider.back_at = timezone.now() - timedelta(seconds=1)
    call_command("run_worker", "--once")
    assert set(statuses().values()) == {OutboundEmail.Status.SENT}
    assert sorted(m.to[0] for m in django_mail.outbox) == ["dead0@example.jp", "dead1@example.jp"]


def test_deliver_pending_waits_for_the_next_attempt(provider):
    # covers: E1
    with time_machine.travel(START, tick=False) as clock:
        EmailMessage("件名", "本文", to=["wait@example.jp"]).send()
        assert mail.deliver_pending() == 0  # refused: attempt 1
        row = OutboundEmail.objects.get()
        assert row.attempts == 1 and row.next_attempt_at == START + mail.RETRY_DELAYS[0]
        mail.deliver_pending()  # attempt 2 (the first retry is due at once)
        row.refresh_from_db()
        assert row.attempts == 2 and row.next_attempt_at == START + mail.RETRY_DELAYS[1]
        provider.back_at = START
        assert mail.deliver_pending() == 0  # not yet due: the provider is not even asked
        row.refresh_from_db()
        assert row.attempts == 2 and row.status == OutboundEmail.Status.PENDING
        clock.shift(mail.RETRY_DELAYS[1])
        assert mail.deliver_pending() == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 3


def test_the_retries_outlast_a_four_hour_outage_and_span_about_a_day():
    # covers: E1 (the schedule itself: a four-hour outage cannot exhaust it)
    assert sum(mail.RETRY_DELAYS[:9], timedelta()) <= timedelta(hours=4) < sum(mail.RETRY_DELAYS, timedelta())
    assert timedelta(hours=20) <= sum(mail.RETRY_DELAYS, timedelta()) <= timedelta(hours=30)
    assert list(mail.RETRY_DELAYS) == sorted(mail.RETRY_DELAYS) and mail.MAX_ATTEMPTS == len(mail.RETRY_DELAYS) + 1


calls: list[str] = []


def broken_job():
    calls.append("broken")
    raise RuntimeError("job exploded")


def stop_the_worker():
    calls.append("stop")
    os.kill(os.getpid(), signal.SIGTERM)  # what systemd or `make run`'s trap sends


def test_a_failing_job_is_logged_and_the_others_still_run(provider, settings, caplog):
    # covers: E1 (issue 10: the worker)
    settings.KOBAI_WORKER_JOBS = [f"{__name__}.broken_job", "shop.notifications.mail.deliver_pending"]
    provider.back_at = timezone.now() - timedelta(seconds=1)
    EmailMessage("件名", "本文", to=["worker@example.jp"]).send()
    calls.clear()
    call_command("run_worker", "--once")
    assert calls == ["broken"]
    assert [m.to for m in django_mail.outbox] == [["worker@example.jp"]]  # the second job ran anyway
    [record] = [r for r in caplog.records if r.name == "kobai.worker"]
    assert record.levelno == logging.ERROR and "broken_job" in record.getMessage()
    assert record.exc_info and "job exploded" in str(record.exc_info[1])


def test_sigterm_stops_the_loop_after_the_current_tick(provider, settings):
    # covers: E1 (issue 10: the worker loops until SIGTERM/SIGINT, then stops cleanly)
    settings.KOBAI_WORKER_JOBS = ["shop.notifications.mail.deliver_pending", f"{__name__}.stop_the_worker"]
    provider.back_at = timezone.now() - timedelta(seconds=1)
    EmailMessage("件名", "本文", to=["loop@example.jp"]).send()
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    calls.clear()
    call_command("run_worker", "--interval", "0.01")  # loops until the second job's SIGTERM
    assert calls == ["stop"]  # exactly one tick, and the job that was running finished
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before  # handlers given back


def test_failed_rows_of_the_old_rule_became_dead_letters():
    # covers: E1 (the migration: FAILED is gone, its rows are dead letters staff can resend)
    from django.apps import apps as global_apps

    migration = importlib.import_module("shop.notifications.migrations.0004_dead_letters_and_backoff")
    assert "failed" not in OutboundEmail.Status.values
    row = OutboundEmail.objects.create(template="t", to=["x@example.jp"], subject="s", body="b")
    OutboundEmail.objects.filter(pk=row.pk).update(status="failed")  # as the old rule left it after 5 attempts
    migration.failed_to_dead(global_apps, None)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.DEAD
