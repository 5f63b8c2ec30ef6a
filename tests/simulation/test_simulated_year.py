"""A simulated year (issue 10): twelve months of business, and the shop's books checked after every day.

22 companies (routes 承認不要 / 一次承認 / 一次+二次, credit lines from the
partner's screening) order directly and from quotes, by invoice and by card
(some cards declined, then paid with another), approvers approve and send
back, the invoice partner reviews large orders (passed, rejected, pending
meanwhile) and bills and collects monthly through its webhooks, staff
arrange, deliver (and are refused while a review is pending) and cancel,
campaigns run and single-use coupons are fought over, and the email provider
fails for hours (once for a day and a half: dead letters, alerts, resent).
After every day the invariants of `invariants.py` must hold; the first
violation fails the test with its day. Deterministic: a fixed seed, and a
frozen clock moved forward by the driver.
"""

from __future__ import annotations

import os
import random
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client

from shop.payments.simulators import invoice as invoice_simulator

from . import world as world_module
from .year import OUTAGES, Year, webhook_poster, write_report

pytestmark = pytest.mark.django_db

SEED = 20270104
START = date(2027, 1, 4)
DAYS = int(os.environ.get("KOBAI_SIM_DAYS", "365"))  # shorter runs while working on the simulation

# every scenario of the issue must actually have happened, or the year proves nothing
MUST_HAPPEN = (
    "orders_direct",
    "orders_from_quote",
    "orders_card",
    "orders_invoice",
    "orders_awaiting_approval",
    "approval_steps_approved",
    "send_backs",
    "refused_card_declined",
    "card_paid_after_decline",
    "pending_reviews",
    "reviews_passed",
    "reviews_rejected",
    "shipments_refused_under_review",
    "deliveries",
    "arranged",
    "cancellations_invoice",
    "cancellations_card",
    "billing_runs",
    "transactions_billed",
    "invoices_paid",
    "quotes_made",
    "refused_quote_expired",
    "requotes",
    "campaign_orders",
    "coupon_added",
    "coupon_orders",
    "coupon_refused_at_basket",
    "refused_coupon",
    "refused_credit_slow-payer",
    "refused_credit_card-only",
    "emails_retried_after_failure",
    "emails_resent",
    "dead_letter_alerts",
    "dead_letters_resent",
    "invoice_pdfs_checked",
)


@pytest.fixture
def simulated(settings, monkeypatch):
    settings.KOBAI_INVOICE_PARTNER = "simulator"
    settings.KOBAI_CARD_GATEWAY = "simulator"
    settings.KOBAI_SIM_INVOICE_CREDIT_LIMIT = 3_000_000
    settings.KOBAI_SIM_INVOICE_REVIEW_THRESHOLD = 1_000_000
    settings.KOBAI_SIM_PARTNER_DELAY_SECONDS = 0
    settings.KOBAI_EMAIL_DELIVER_ON_COMMIT = False  # the worker sends the outbox, as in production
    settings.KOBAI_EMAIL_DELIVERY_BACKEND = "tests.simulation.year.EmailProvider"
    monkeypatch.setattr(invoice_simulator, "post_webhook", webhook_poster(Client()))
    monkeypatch.setattr(OUTAGES, "windows", [])
    monkeypatch.setattr(OUTAGES, "refused", 0)
    rng = random.Random(SEED)
    first_morning = datetime(START.year, START.month, START.day, 8, 0, tzinfo=world_module.JST)
    with time_machine.travel(first_morning, tick=False) as clock:
        world = world_module.build(rng=rng, year=START.year)
        yield Year(world, clock=clock, rng=rng, start=START, days=DAYS)


def test_a_simulated_year_keeps_every_invariant(simulated):
    # covers: P1, P2, P3, P4, P5, O2, O4, O5, O7, M7, Q1, Q3, Q4, E1
    summary = simulated.run()
    write_report(summary)
    print("\nsimulated year:", ", ".join(f"{key}={value}" for key, value in summary.items()))
    assert not simulated.failures, "\n".join(simulated.failures[:30])
    missing = [scenario for scenario in MUST_HAPPEN if not summary.get(scenario)]
    assert not missing, f"scenarios that never happened: {missing}"
    steady = simulated.world.steady
    refused = {kind: n for (index, kind), n in simulated.refusals.items() if index == steady.index}
    assert not refused.get("credit"), f"the steady company was refused for credit: {refused}"
    months = [summary.get(f"steady_month_{month:02d}", 0) for month in range(1, 13)]
    assert all(months), f"the steady company did not order every month: {months}"
    assert summary["steady_orders"] == 24, "two orders a month, none refused"
    assert 10_000_000 <= summary["steady_ordered_yen"] <= 14_000_000  # about ¥1,000,000 a month
