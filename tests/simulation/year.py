"""The day-by-day driver of the simulated year (issue 10).

Every business action goes through the service function its view calls:
`placement.place_from_basket` / `place_from_quote` (checkout, 「この見積で注文する」),
`quotes.services.create_from_basket` / `requote`, `approvals.workflow`,
`order.fulfilment.move`, `order.cancellation.cancel`,
`billing.documents.render_pdf` (the buyer's 請求書 download); coupons go
into the basket through Oscar's own basket view (the test client), because
that is where Oscar checks them. The partners are the shop's simulators:
cards are tokenised at the gateway simulator as the browser does, the
invoice partner's operators review, bill and record payments in its
simulator, and its webhooks reach our real endpoint
(`/shop/payments/webhooks/invoice/`) through the test client.

Time is frozen (time-machine) and moved forward by the driver: each day
runs from midnight to 23:55; the worker sends the outbox every hour from
08:00 to 20:00 (and through the night after an outage) and runs its whole
tick, with the payment sweep, every morning; business happens on business
days between 10:00 and 18:00 (approvers, then buyers, then staff), the
partner reviews, bills and collects at 09:00. The email provider goes down
now and then (`EmailProvider`, the delivery backend behind the outbox).

A "request" commits when the action returns: `committed()` runs the
on-commit callbacks the action registered (inside the test case's
transaction they would never run), as Django does after a real commit.
"""

from __future__ import annotations

import json
import logging
import os
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from shop.alerts.models import StaffAlert
from shop.alerts.receivers import EMAIL_DEAD
from shop.approvals import workflow
from shop.billing import documents
from shop.billing.business_days import is_business_day
from shop.notifications import mail
from shop.notifications.management.commands.run_worker import run_jobs
from shop.notifications.models import OutboundEmail
from shop.order import cancellation, fulfilment, placement
from shop.order import status as order_status
from shop.partner.strategy import Selector
from shop.payments import settlement
from shop.payments.models import Payment, SimCharge, SimTransaction
from shop.payments.simulators import invoice as invoice_simulator
from shop.payments.simulators.card import CardGatewaySimulator
from shop.payments.simulators.invoice import InvoicePartnerSimulator
from shop.quotes import discounts
from shop.quotes import services as quotes

from . import invariants
from .world import CARD_ONLY, JST, REGULAR, REVIEW, SLOW_PAYER, STEADY, Buyer, World, price_of

logger = logging.getLogger("kobai.simulation")

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
OrderDiscount = get_model("order", "OrderDiscount")

WEBHOOK_PATH = "/shop/payments/webhooks/invoice/"
SWEEP = "shop.payments.settlement.sweep"
GOOD_CARDS = ("4111111111111111", "5555555555554444", "3530111333300000")
DECLINING_CARD = "4000000000000002"  # the gateway simulator's generic decline


# --- the email provider, with outages ---


class Outages:
    """When the email provider is down (half-open windows), and how many messages it took."""

    def __init__(self):
        self.windows: list[tuple[datetime, datetime]] = []
        self.accepted = 0
        self.refused = 0

    def down(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.windows)

    def recent(self, moment: datetime, *, within: timedelta = timedelta(hours=48)) -> bool:
        """Whether an outage began before `moment` and ended less than `within` before it."""
        return any(start <= moment < end + within for start, end in self.windows)


OUTAGES = Outages()


class EmailProvider(BaseEmailBackend):
    """`KOBAI_EMAIL_DELIVERY_BACKEND` during the simulation: refuses every message while an outage lasts."""

    def send_messages(self, email_messages):
        if OUTAGES.down(timezone.now()):
            OUTAGES.refused += len(email_messages)
            raise ConnectionError("simulated outage of the email provider")
        OUTAGES.accepted += len(email_messages)
        return len(email_messages)


# --- commits and webhooks ---


@contextmanager
def committed():
    """When the block ends, run the on-commit callbacks waiting, as Django does after a real commit.

    Inside the test case's transaction Django never runs them. Callbacks of
    savepoints that rolled back are gone already (Django drops them); those
    of transactions that did commit run even when the block raised, like the
    partner call after a number was voided. Robust callbacks log their
    failure, as Django does; the others raise.
    """
    connection = transaction.get_connection()
    try:
        yield
    finally:
        position = 0
        try:
            while position < len(connection.run_on_commit):  # a callback may register more
                _, callback, robust = connection.run_on_commit[position]
                position += 1
                if robust:
                    try:
                        callback()
                    except Exception:
                        logger.exception("on-commit callback %r failed", callback)
                else:
                    callback()
        finally:
            del connection.run_on_commit[:position]


def webhook_poster(client: Client):
    """`post_webhook` for the partner's simulator: the signed event goes to our real endpoint."""

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        assert urlsplit(url).path == WEBHOOK_PATH, url
        response = client.post(
            WEBHOOK_PATH,
            body,
            content_type="application/json",
            headers={name: value for name, value in headers.items() if name.lower() != "content-type"},
        )
        return response.status_code

    return post


# --- the year ---


class SimulationFailed(AssertionError):
    pass


@dataclass
class PlannedQuote:
    quote: object
    buyer: Buyer
    member: object
    method: str
    due: date


class Year:
    """Twelve months of business for the world's companies; `run()` returns the summary."""

    def __init__(self, world: World, *, clock, rng: random.Random, start: date, days: int = 365):
        self.world = world
        self.clock = clock
        self.rng = rng
        self.days = [start + timedelta(days=offset) for offset in range(days)]
        self.business_days = [day for day in self.days if is_business_day(day)]
        self.now = timezone.now()
        self.stats: Counter = Counter()
        self.refusals: Counter = Counter()  # (company index, kind)
        self.steady_months: set[tuple[int, int]] = set()
        self.quotes: list[PlannedQuote] = []
        self.partner = InvoicePartnerSimulator.from_settings()
        self.gateway = CardGatewaySimulator.from_settings()
        self.coupon_days = {self._on_or_after(timezone.localdate(c.released)): c for c in world.coupons}
        self.billed_month: date | None = None
        self.day: invariants.Day | None = None
        self.keep_going = os.environ.get("KOBAI_SIM_KEEP_GOING") == "1"  # report every failure, not only the first
        self.failures: list[str] = []
        self.sequence = 0
        self.timings: Counter = Counter()  # seconds spent in each invariant (for the report)
        OUTAGES.windows = self._plan_outages()

    # --- clock ---

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=JST)

    def advance(self, moment: datetime) -> None:
        """Move the clock forward to `moment`; the worker ticks at every full hour on the way.

        At night (20:00 to 08:00) nothing is queued, so the worker is skipped unless an outage in the
        last two days may have left messages waiting for their next attempt.
        """
        assert moment >= self.now, (moment, self.now)
        hour = self.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while hour <= moment:
            if 8 <= hour.astimezone(JST).hour <= 20 or OUTAGES.recent(hour):
                self.clock.move_to(hour)
                self.now = hour
                self.tick()
            hour += timedelta(hours=1)
        self.clock.move_to(moment)
        self.now = moment

    def tick(self, *, full: bool = False) -> None:
        """The background worker: every hour its outbox job; `full` runs one whole tick (`run_worker --once`).

        The whole tick (the outbox and the payment sweep, `KOBAI_WORKER_JOBS`)
        runs every morning; the hours between only send the outbox, which is
        what an outage is about (the sweep has nothing to do in a year without
        crashes, and the invariants check that it had nothing left over).
        """
        with committed():
            if full:
                results = run_jobs()
            else:
                results = {"shop.notifications.mail.deliver_pending": mail.deliver_pending()}
        for path, result in results.items():
            if isinstance(result, Exception):
                self.fail("worker", f"{path} raised {type(result).__name__}: {result}")
            elif isinstance(result, dict):  # the sweep's counts
                for key, value in result.items():
                    self.stats[f"sweep_{key}"] += value
        self.stats["worker_ticks_full" if full else "worker_ticks"] += 1

    def _on_or_after(self, day: date) -> date:
        while not is_business_day(day):
            day += timedelta(days=1)
        return day

    # --- plans ---

    def _plan_outages(self) -> list[tuple[datetime, datetime]]:
        """Eight outages of two to four hours on business days, and one of two days (dead letters, resent).

        A message queued in the first day of the long outage runs out of attempts (~24 hours of retries)
        before the provider is back: it becomes a dead letter with a staff alert, and staff resend it.
        """
        candidates = [day for day in self.business_days[10:-10] if day not in self.coupon_days]
        windows = []
        for day in sorted(self.rng.sample(candidates, min(8, len(candidates)))):
            start = self._at(day, self.rng.choice((10, 11, 13)), self.rng.choice((0, 20, 40)))
            windows.append((start, start + timedelta(hours=self.rng.choice((2, 3, 4)))))
        thursdays = [d for d in self.business_days if d.weekday() == 3]
        long_day = next((d for d in thursdays if d >= date(self.days[0].year, 6, 10)), thursdays[len(thursdays) // 2])
        windows.append((self._at(long_day, 10), self._at(long_day, 10) + timedelta(hours=48)))
        return sorted(windows)

    # --- the driver ---

    def run(self) -> dict:
        for number, day in enumerate(self.days, start=1):
            self.day = invariants.Day(number=number, today=day, now=self.now, billed_month=self.billed_month)
            self.advance(self._at(day, 9))
            self.morning(day)
            if is_business_day(day):
                self.spread(self._at(day, 10), self._at(day, 11), self.approvals())
                self.spread(self._at(day, 11), self._at(day, 16), self.purchases(day))
                self.spread(self._at(day, 16), self._at(day, 18), self.staff_moves(day))
            self.advance(self._at(day, 23, 55))
            self.check(day)
        return self.summary()

    def spread(self, start: datetime, end: datetime, actions: list) -> None:
        """Run the actions one after another, evenly between `start` and `end`."""
        if not actions:
            return
        step = (end - start) / len(actions)
        for index, (label, action) in enumerate(actions):
            self.advance(max(self.now, (start + step * index).replace(second=0, microsecond=0)))
            try:
                action()
            except SimulationFailed:
                raise
            except Exception as error:  # a request that would answer 500
                logger.exception("simulated action %s failed", label)
                self.fail(label, f"raised {type(error).__name__}: {error}")

    def fail(self, where: str, details: str) -> None:
        message = f"day {self.day.number} ({self.day.today}): {where}: {details}"
        if not self.keep_going:
            raise SimulationFailed(message)
        self.failures.append(message)

    def check(self, day: date) -> None:
        self.day.now = self.now
        self.day.billed_month = self.billed_month
        for invariant in invariants.ALL:
            self.stats["invariant_checks"] += 1
            started = perf_counter()
            problems = invariant(self.day)
            self.timings[invariant.__name__] += perf_counter() - started
            for problem in problems:
                self.fail(invariant.__name__, problem)

    # --- every morning ---

    def morning(self, day: date) -> None:
        self.tick(full=True)  # the worker's whole tick
        if SWEEP not in settings.KOBAI_WORKER_JOBS:  # the payment sweep runs daily in any case
            with committed():
                for key, value in settlement.sweep().items():
                    self.stats[f"sweep_{key}"] += value
        if day.day == 1:  # the partner bills everything shipped last month
            with committed():
                billed = self.partner.run_billing(today=day)
            self.stats["billing_runs"] += 1
            self.stats["transactions_billed"] += len(billed)
            self.billed_month = day
            self.day.billed_month = day
        if is_business_day(day):
            self.partner_reviews(day)
            self.resend_dead_letters()
        self.buyers_pay(day)
        with committed():
            self.partner.deliver_pending()  # the partner's own retry of webhooks we did not accept

    def partner_reviews(self, day: date) -> None:
        """The partner's operators decide reviews after a full day: most pass, some are rejected."""
        waiting = SimTransaction.objects.filter(
            status=invoice_simulator.PENDING_REVIEW, created_at__lt=self._at(day, 0) - timedelta(days=1)
        ).order_by("pk")
        for reference in list(waiting.values_list("reference", flat=True)):
            if self.rng.random() < 0.25:
                continue  # not today
            decision = invoice_simulator.PASSED if self.rng.random() < 0.7 else invoice_simulator.REJECTED
            with committed():
                self.partner.review(reference=reference, decision=decision)
            self.stats[f"reviews_{decision}"] += 1

    def buyers_pay(self, day: date) -> None:
        """Each company pays the partner's invoices on its day of the month; the slow payer two months late."""
        for buyer in self.world.buyers:
            if buyer.pay_day != day.day or not buyer.company.invoice_buyer_id:
                continue
            billed = SimTransaction.objects.filter(
                buyer__buyer_id=buyer.company.invoice_buyer_id, status=invoice_simulator.BILLED
            )
            if buyer.profile == SLOW_PAYER:
                billed = billed.filter(billed_at__lt=self._at(day, 0) - timedelta(days=58))
            for reference in list(billed.order_by("pk").values_list("reference", flat=True)):
                with committed():
                    self.partner.settle(reference=reference)
                self.stats["invoices_paid"] += 1

    def resend_dead_letters(self) -> None:
        """Staff resend the dead letters once the provider is back (the alert told them)."""
        if OUTAGES.down(self.now) or not OutboundEmail.objects.filter(status=OutboundEmail.Status.DEAD).exists():
            return
        with committed():
            self.stats["dead_letters_resent"] += mail.resend_all_dead(by=self.world.staff)

    # --- approvers ---

    def approvals(self) -> list:
        actions = []
        for order in Order.objects.filter(status=order_status.AWAITING_APPROVAL).order_by("pk"):
            if self.rng.random() < 0.2:
                continue  # the approver is out today
            send_back = self.rng.random() < 0.12
            actions.append(
                (f"approval of {order.number}", lambda order=order, back=send_back: self.decide(order, back))
            )
        return actions

    def decide(self, order, send_back: bool) -> None:
        order.refresh_from_db()
        if order.status != order_status.AWAITING_APPROVAL:
            return  # cancelled meanwhile (the partner rejected its invoice)
        approver = workflow.current_step(order).approver
        with committed():
            if send_back:
                workflow.send_back(order=order, by=approver, comment="予算の都合により今回は見送ります。")
                self.stats["send_backs"] += 1
            else:
                workflow.approve(order=order, by=approver, comment="")
                self.stats["approval_steps_approved"] += 1

    # --- buyers ---

    def purchases(self, day: date) -> list:
        actions = []
        for planned in [q for q in self.quotes if q.due == day]:
            actions.append((f"ordering quote {planned.quote.number}", lambda p=planned: self.order_quote(p)))
        self.quotes = [q for q in self.quotes if q.due != day]
        for buyer in self.world.buyers:
            if buyer.profile == STEADY:
                if self._steady_due(day):
                    actions.append(("steady order", lambda b=buyer: self.steady_order(b)))
                continue
            chance = {REGULAR: 0.1, REVIEW: 0.06, CARD_ONLY: 0.08, SLOW_PAYER: 0.12}[buyer.profile]
            if self.rng.random() < chance:
                actions.append((f"purchase by {buyer.name}", lambda b=buyer: self.purchase(b)))
        if day in self.coupon_days:
            coupon = self.coupon_days[day]
            actions.insert(0, (f"coupon {coupon.voucher.code}", lambda c=coupon: self.coupon_race(c)))
        return actions

    def _steady_due(self, day: date) -> bool:
        """The steady company orders on the first business day from the 5th and from the 20th."""
        for first in (5, 20):
            key = (day.month, first)
            if day.day >= first and key not in self.steady_months:
                self.steady_months.add(key)
                return True
        return False

    def steady_order(self, buyer: Buyer) -> None:
        basket = self.fill(buyer.admin, self.lines(Decimal(455_000), parts=2))
        order = self.place(buyer, buyer.admin, basket=basket, method=Order.PaymentMethod.INVOICE)
        if order is not None:
            self.stats["steady_orders"] += 1
            self.stats["steady_ordered_yen"] += int(order.total_incl_tax)
            self.stats[f"steady_month_{order.date_placed.astimezone(JST).month:02d}"] += 1

    def purchase(self, buyer: Buyer) -> None:
        member = self.rng.choice(buyer.orderers)
        large = buyer.profile == REVIEW or (buyer.profile == REGULAR and self.rng.random() < 0.06)
        if buyer.profile == CARD_ONLY:
            method = Order.PaymentMethod.CARD
        elif placement.card_allowed(member) and self.rng.random() < 0.25:
            method = Order.PaymentMethod.CARD
        else:
            method = Order.PaymentMethod.INVOICE
        if large and method == Order.PaymentMethod.INVOICE:
            target = Decimal(self.rng.randrange(1_000_000, 1_500_000, 10_000))
        elif buyer.profile == SLOW_PAYER:
            target = Decimal(self.rng.randrange(250_000, 450_000, 10_000))
        else:
            target = Decimal(self.rng.randrange(20_000, 400_000, 5_000))
        basket = self.fill(member, self.lines(target))
        if buyer.profile == CARD_ONLY and not self.refusals[(buyer.index, "credit")]:
            # once: it tries the invoice first and is told it has no credit line
            self.place(buyer, member, basket=basket, method=Order.PaymentMethod.INVOICE)
        if self.rng.random() < 0.3:
            self.make_quote(buyer, member, basket, method)
        else:
            self.place(buyer, member, basket=basket, method=method)

    def make_quote(self, buyer: Buyer, member, basket, method: str) -> None:
        with committed():
            quote = quotes.create_from_basket(basket=basket, member=member, submission_key=self.key())
        self.stats["quotes_made"] += 1
        wait = self.rng.choice((0, 1, 1, 2, 3, 4, 8))  # 8 days: the quote has expired (valid for 7)
        due = self._on_or_after(self.now.date() + timedelta(days=max(wait, 1)))
        self.quotes.append(PlannedQuote(quote=quote, buyer=buyer, member=member, method=method, due=due))

    def order_quote(self, planned: PlannedQuote) -> None:
        order = self.place(planned.buyer, planned.member, quote=planned.quote, method=planned.method)
        if order is None and not planned.quote.is_valid:
            with committed():
                new, _skipped, _dropped = quotes.requote(
                    quote=planned.quote, member=planned.member, submission_key=self.key()
                )
            self.stats["requotes"] += 1
            self.place(planned.buyer, planned.member, quote=new, method=planned.method)

    # --- the basket ---

    def lines(self, target: Decimal, parts: int | None = None) -> list[tuple[object, int]]:
        """Products and quantities worth about `target` yen (tax exclusive)."""
        parts = parts or self.rng.choice((1, 1, 2, 3))
        share = target / parts
        affordable = [p for p in self.world.products if price_of(p) <= share]
        chosen = self.rng.sample(affordable, min(parts, len(affordable)))
        return [(product, max(1, min(500, int(share / price_of(product))))) for product in chosen]

    def basket_of(self, member):
        """The member's open basket, as Oscar's basket middleware finds it."""
        basket, _ = Basket.open.get_or_create(owner=member.user)
        basket.strategy = Selector().strategy(user=member.user)
        return basket

    def fill(self, member, lines) -> object:
        basket = self.basket_of(member)
        basket.flush()
        basket.vouchers.clear()
        for product, quantity in lines:
            basket.add_product(product, quantity)
        discounts.apply_offers(basket, member.user)
        return basket

    def key(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def card_token(self, number: str) -> str:
        """What card.js does in the browser: the card goes to the gateway, we get a one-time token."""
        return self.gateway.create_token(
            public_key=settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY,
            number=number,
            exp_month=12,
            exp_year=self.now.year + 3,
            cvc="123",
        )["token"]

    # --- placing ---

    def place(self, buyer: Buyer, member, *, method: str, basket=None, quote=None):
        """Place an order as the checkout (or the quote's order form) does; a refused card is retried."""
        declined_first = method == Order.PaymentMethod.CARD and self.rng.random() < 0.3
        if declined_first:
            refused = self._place_once(buyer, member, method=method, basket=basket, quote=quote, card=DECLINING_CARD)
            if refused is not None:
                self.fail("card payment", f"the declining test card was accepted for {refused.number}")
                return refused
        order = self._place_once(
            buyer, member, method=method, basket=basket, quote=quote, card=self.rng.choice(GOOD_CARDS)
        )
        if order is not None and declined_first:
            self.stats["card_paid_after_decline"] += 1
        return order

    def _place_once(self, buyer: Buyer, member, *, method: str, basket, quote, card: str):
        self.sequence += 1
        if basket is not None:
            discounts.apply_offers(basket, member.user)  # as the middleware does on every request
        details = placement.OrderDetails(
            payment_method=method,
            delivery_address=buyer.delivery_address,
            purchase_order_number=f"PO-{buyer.index:02d}-{self.sequence:05d}",
            card_token=self.card_token(card) if method == Order.PaymentMethod.CARD else "",
        )
        try:
            with committed():
                if quote is not None:
                    order = placement.place_from_quote(
                        quote=quote, member=member, details=details, submission_key=self.key()
                    )
                else:
                    order = placement.place_from_basket(
                        basket=basket, member=member, details=details, submission_key=self.key()
                    )
        except placement.OrderRefused as refusal:
            self.refused(buyer, method, refusal)
            return None
        self.stats["orders_placed"] += 1
        self.stats["orders_from_quote" if quote is not None else "orders_direct"] += 1
        self.stats[f"orders_{method}"] += 1
        if order.status == order_status.AWAITING_APPROVAL:
            self.stats["orders_awaiting_approval"] += 1
        payment = Payment.objects.get(order=order)
        if payment.status == Payment.Status.PENDING:
            self.stats["pending_reviews"] += 1
        return order

    def refused(self, buyer: Buyer, method: str, refusal: placement.OrderRefused) -> None:
        message = refusal.message
        if refusal.requote:
            kind = "quote_expired"
        elif "クーポン" in message or isinstance(refusal.__cause__, discounts.VoucherUnavailable):
            kind = "coupon"
        elif "与信枠" in message:
            kind = "credit"
        elif method == Order.PaymentMethod.CARD and ("カード" in message or "お取引" in message):
            kind = "card_declined"
        elif "後払い決済会社" in message:
            kind = "invoice_rejected"
        else:
            self.fail(f"order by {buyer.name}", f"refused for an unexpected reason: {message}")
            kind = "other"
        self.refusals[(buyer.index, kind)] += 1
        self.stats[f"refused_{kind}"] += 1
        if kind == "credit":
            self.stats[f"refused_credit_{buyer.profile}"] += 1

    # --- coupons ---

    def client_of(self, member) -> Client:
        """The member's browser, signed in now (a session from months ago would have expired)."""
        client = Client()
        client.force_login(member.user)
        return client

    def add_coupon(self, member, voucher) -> bool:
        """The buyer types the code into the basket page (Oscar's view checks it); True if the basket kept it."""
        with committed():
            response = self.client_of(member).post("/shop/basket/vouchers/add/", {"code": voucher.code})
        if response.status_code != 302 or "login" in response["Location"]:
            self.fail(f"coupon {voucher.code}", f"the basket page answered {response.status_code}")
        kept = self.basket_of(member).vouchers.filter(pk=voucher.pk).exists()
        self.stats["coupon_added" if kept else "coupon_refused_at_basket"] += 1
        return kept

    def remove_coupon(self, member, voucher) -> None:
        with committed():
            self.client_of(member).post(f"/shop/basket/vouchers/{voucher.pk}/remove/")

    def coupon_race(self, coupon) -> None:
        """Several companies try one single-use coupon; one order gets it, the others are told."""
        voucher = coupon.voucher
        regulars = [b for b in self.world.buyers if b.profile == REGULAR]
        first, second, third = self.rng.sample(regulars, 3)
        number = int(voucher.code[-1])
        baskets, quote = {}, None
        for buyer in (first, second):
            baskets[buyer.index] = self.fill(buyer.admin, self.lines(Decimal(150_000)))
            self.add_coupon(buyer.admin, voucher)
        if number % 2:  # two baskets race to the checkout
            if self.place(first, first.admin, basket=baskets[first.index], method=Order.PaymentMethod.INVOICE):
                self.stats["coupon_orders"] += 1
        else:  # the first makes a quote with it: the quote holds the coupon, then orders it
            with committed():
                quote = quotes.create_from_basket(
                    basket=baskets[first.index], member=first.admin, submission_key=self.key()
                )
            self.stats["quotes_made"] += 1
            self.stats["coupon_quotes"] += 1
        before = self.refusals[(second.index, "coupon")]
        order = self.place(second, second.admin, basket=baskets[second.index], method=Order.PaymentMethod.INVOICE)
        if order is None and self.refusals[(second.index, "coupon")] > before:
            self.remove_coupon(second.admin, voucher)
            self.place(second, second.admin, basket=self.basket_of(second.admin), method=Order.PaymentMethod.INVOICE)
        elif order is not None and order.discounts.filter(voucher_id=voucher.pk).exists():
            self.stats["coupon_orders"] += 1
        late = self.fill(third.admin, self.lines(Decimal(120_000)))
        taken = voucher.applications.exists() or discounts.holding_quotes(voucher).exists()
        if self.add_coupon(third.admin, voucher) and taken:
            self.fail(f"coupon {voucher.code}", f"{third.name} could add it after it was used or held")
        self.place(third, third.admin, basket=late, method=Order.PaymentMethod.INVOICE)
        if not number % 2:
            if self.place(first, first.admin, quote=quote, method=Order.PaymentMethod.INVOICE):
                self.stats["coupon_orders"] += 1

    # --- staff ---

    def staff_moves(self, day: date) -> list:
        actions = []
        today_start = self._at(day, 0)
        moving = Order.objects.filter(
            status__in=(order_status.ACCEPTED, order_status.ARRANGING), date_placed__lt=today_start
        ).order_by("pk")
        for order in moving:
            roll = self.rng.random()
            if roll < 0.015:
                actions.append((f"cancel {order.number}", lambda o=order: self.cancel(o)))
            elif order.status == order_status.ACCEPTED and roll < 0.35:
                with_date = self.rng.random() < 0.1
                actions.append((f"arrange {order.number}", lambda o=order, d=with_date: self.arrange(o, d)))
            elif roll < 0.8:
                actions.append((f"deliver {order.number}", lambda o=order: self.deliver(o)))
        return actions

    def arrange(self, order, with_date: bool) -> None:
        delivery = self.now.date() + timedelta(days=7) if with_date else None
        with committed():
            fulfilment.move(order=order, to=order_status.ARRANGING, by=self.world.staff, delivery_date=delivery)
        self.stats["arranged"] += 1

    def deliver(self, order) -> None:
        try:
            with committed():
                fulfilment.move(order=order, to=order_status.DELIVERED, by=self.world.staff)
        except fulfilment.MoveRefused as refusal:
            payment = Payment.objects.get(order=order)
            if payment.status != Payment.Status.PENDING:
                self.fail(f"delivery of {order.number}", f"refused with payment {payment.status}: {refusal.message}")
            self.stats["shipments_refused_under_review"] += 1
            return
        self.stats["deliveries"] += 1
        if self.rng.random() < 0.1 or order.discounts.exists():
            self.download_invoice(order)

    def download_invoice(self, order) -> None:
        """The buyer downloads the 請求書 PDF from the my page (issued with its number the first time)."""
        order = Order.objects.prefetch_related("lines__product", "status_changes", "discounts").get(pk=order.pk)
        with committed():
            _issued, content = documents.render_pdf(order=order, kind=documents.Kind.INVOICE)
        self.day.invoices.append((order, content))
        self.stats["invoice_pdfs_checked"] += 1

    def cancel(self, order) -> None:
        with committed():
            cancellation.cancel(order=order, by=self.world.staff, reason="お客様のご依頼により取り消します。")
        self.stats[f"cancellations_{order.payment_method}"] += 1

    # --- the end ---

    def summary(self) -> dict:
        emails = OutboundEmail.objects
        campaigns = [offer.pk for offer in self.world.campaigns]
        summary = {
            "days": len(self.days),
            "business_days": len(self.business_days),
            "companies": len(self.world.buyers),
            "orders": Order.objects.count(),
            "payments": Payment.objects.count(),
            "charges": SimCharge.objects.count(),
            "partner_transactions": SimTransaction.objects.count(),
            "emails": emails.count(),
            "emails_sent": emails.filter(status=OutboundEmail.Status.SENT).count(),
            "emails_retried_after_failure": emails.filter(status=OutboundEmail.Status.SENT, attempts__gt=1).count(),
            "emails_dead": emails.filter(status=OutboundEmail.Status.DEAD).count(),
            "emails_resent": emails.filter(resends__isnull=False).distinct().count(),
            "outages": [
                f"{start:%m-%d %H:%M}+{(end - start).total_seconds() / 3600:g}h" for start, end in OUTAGES.windows
            ],
            "provider_refusals": OUTAGES.refused,
            "dead_letter_alerts": StaffAlert.objects.filter(kind=EMAIL_DEAD).count(),
            "campaign_orders": OrderDiscount.objects.filter(offer_id__in=campaigns).values("order").distinct().count(),
            "invariant_checks": self.stats["invariant_checks"],
            "failures": len(self.failures),
            "invariant_seconds": {name: round(seconds, 2) for name, seconds in sorted(self.timings.items())},
            **{key: value for key, value in sorted(self.stats.items()) if key != "invariant_checks"},
        }
        return summary


def write_report(summary: dict) -> None:
    path = os.environ.get("KOBAI_SIM_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as report:
            json.dump(summary, report, ensure_ascii=False, indent=2, sort_keys=True)
