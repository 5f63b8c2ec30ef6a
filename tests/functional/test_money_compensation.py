"""Issue 10: money taken for an order that never committed is given back; no partner call holds a lock (O4, P1, P2).

Placement takes the number, records the attempt, asks the partner with no
transaction open, then writes the order in one transaction. If that
transaction fails, the charge is voided (or the partner's check cancelled)
and the number voided with the error. A crash or a lost answer between the
partner call and the order is finished by `settlement.sweep`, which the
worker runs every few seconds.

# covers: issue 10, O4, P1, P2
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from threading import Event, Thread, current_thread

import pytest
import time_machine
from django.db import DatabaseError, connections, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from shop.billing import numbering
from shop.billing.models import IssuedNumber
from shop.companies.models import CreditReservation
from shop.demo.users import ensure_demo_company
from shop.notifications.models import OutboundEmail
from shop.payments import card, invoice, settlement
from shop.payments.models import Payment, SimCardToken, SimCharge, SimTransaction
from shop.transactions import InsideTransaction
from tests.functional.test_checkout_approval import _card_token, _checkout_data, _client, _fill, _messages
from tests.functional.test_money_numbers import following
from tests.helpers import load_demo_catalogue

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")

DISK_FULL = "disk full while saving the order"


def _the_order_transaction_fails_at_its_last_step(monkeypatch):
    """The very last write of placement's transaction (marking the number used) fails, as a full disk would."""

    def broken(number):
        raise DatabaseError(DISK_FULL)

    monkeypatch.setattr(numbering, "use", broken)


def _basket_still_open(client, lines=2):
    basket = client.get("/shop/basket/").context["basket"]
    assert basket.status == Basket.OPEN and basket.num_lines == lines


@pytest.mark.django_db
def test_a_card_order_that_fails_to_commit_voids_the_capture_and_the_number(members, monkeypatch):
    # covers: issue 10, P1, O4
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    data = _checkout_data(client, payment_method="card", card_token=_card_token(client))
    with monkeypatch.context() as patch:
        _the_order_transaction_fails_at_its_last_step(patch)
        with pytest.raises(DatabaseError, match=DISK_FULL):
            client.post("/shop/checkout/", data)

    assert not Order.objects.exists()
    payment = Payment.objects.get()
    assert payment.order_id is None and payment.status == Payment.Status.CANCELLED
    assert DISK_FULL in payment.message
    assert SimCharge.objects.get(reference=payment.reference).status == "voided"  # the buyer's money is back
    gap = IssuedNumber.objects.get(number=payment.order_number)
    assert gap.state == IssuedNumber.State.VOID and gap.reason == f"DatabaseError: {DISK_FULL}"
    assert not OutboundEmail.objects.filter(template="order_received").exists()
    _basket_still_open(client)

    # the buyer simply orders again: a new number, a new charge
    client.post("/shop/checkout/", _checkout_data(client, payment_method="card", card_token=_card_token(client)))
    order = Order.objects.get()
    assert order.number == following(payment.order_number)
    assert Payment.objects.get(order=order).status == Payment.Status.CAPTURED


@pytest.mark.django_db
def test_an_invoice_order_that_fails_to_commit_cancels_the_partners_check_and_reserves_nothing(members, monkeypatch):
    # covers: issue 10, P2, O4
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    data = _checkout_data(client)
    with monkeypatch.context() as patch:
        _the_order_transaction_fails_at_its_last_step(patch)
        with pytest.raises(DatabaseError, match=DISK_FULL):
            client.post("/shop/checkout/", data)

    assert not Order.objects.exists() and not CreditReservation.objects.exists()
    payment = Payment.objects.get()
    assert payment.order_id is None and payment.status == Payment.Status.CANCELLED
    assert SimTransaction.objects.get(reference=payment.reference).status == "cancelled"  # the partner's line is free
    gap = IssuedNumber.objects.get(number=payment.order_number)
    assert gap.state == IssuedNumber.State.VOID and gap.reason == f"DatabaseError: {DISK_FULL}"
    _basket_still_open(client)


@pytest.mark.django_db
def test_a_charge_whose_order_was_never_written_is_voided_by_the_sweep(members):
    # covers: issue 10, P1
    admin = members["K0000001"]
    token = _card_token(_client(admin))
    # what placement does up to the partner's answer; then the process dies before the order's transaction
    number = numbering.take(kind="order", prefix="K")
    payment = settlement.begin(
        order_number=number, company=admin.company, method="card", amount=Decimal(24_737), card_token=token
    )
    settlement.call(payment)
    charge = SimCharge.objects.get(idempotency_key=payment.idempotency_key)
    assert charge.status == "captured"

    assert settlement.sweep() == {"replayed": 0, "voided": 0, "actions": 0, "numbers": 0}  # maybe still in flight
    charge.refresh_from_db()
    assert charge.status == "captured"

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert settlement.sweep()["voided"] == 1
    charge.refresh_from_db()
    payment.refresh_from_db()
    assert charge.status == "voided" and payment.status == Payment.Status.CANCELLED and payment.order_id is None
    assert IssuedNumber.objects.get(number=number).state == IssuedNumber.State.TAKEN  # an hour is allowed

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert settlement.sweep()["numbers"] == 1
    gap = IssuedNumber.objects.get(number=number)
    assert gap.state == IssuedNumber.State.VOID and "abandoned" in gap.reason


@pytest.mark.django_db
def test_a_charge_whose_answer_was_lost_is_replayed_under_its_key_and_voided(members, monkeypatch):
    # covers: issue 10, P1
    charged = card.SimulatorCardGateway.charge
    keys = []

    def answer_lost_the_first_time(self, **kwargs):
        answer = charged(self, **kwargs)  # the gateway did charge the card ...
        keys.append(kwargs["idempotency_key"])
        if len(keys) == 1:  # ... but its answer never reached us
            raise card.CardGatewayError(card.UNREACHABLE, code="unreachable")
        return answer

    monkeypatch.setattr(card.SimulatorCardGateway, "charge", answer_lost_the_first_time)
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    response = client.post(
        "/shop/checkout/", _checkout_data(client, payment_method="card", card_token=_card_token(client))
    )
    assert response.status_code == 409 and card.UNREACHABLE in _messages(response)
    assert not Order.objects.exists()
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.REQUESTED and payment.order_id is None  # we do not know what happened
    charge = SimCharge.objects.get()
    assert charge.status == "captured" and charge.idempotency_key == payment.idempotency_key
    _basket_still_open(client)

    assert settlement.sweep()["replayed"] == 0  # too early: the attempt may still be in flight
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        done = settlement.sweep()
    assert done["replayed"] == 1 and done["voided"] == 1, done
    assert keys == [payment.idempotency_key] * 2  # asked again under the same key: the same charge, not a new one
    assert SimCharge.objects.count() == 1
    charge.refresh_from_db()
    payment.refresh_from_db()
    assert charge.status == "voided" and payment.status == Payment.Status.CANCELLED
    assert IssuedNumber.objects.get(number=payment.order_number).state == IssuedNumber.State.VOID


@pytest.mark.django_db
def test_no_partner_is_called_inside_one_of_our_transactions(members):
    # covers: issue 10, P1, P2
    admin = members["K0000001"]
    token = _card_token(_client(admin))
    with pytest.raises(InsideTransaction), transaction.atomic():
        card.get_gateway().charge(
            token=token, amount=Decimal(5_000), order_number="K209901-00001", idempotency_key="inside-card"
        )
    assert not SimCharge.objects.exists()
    assert SimCardToken.objects.get(token=token).used_at is None
    with pytest.raises(InsideTransaction), transaction.atomic():
        invoice.get_partner().authorize(
            buyer_id=admin.company.invoice_buyer_id,
            order_number="K209901-00002",
            amount=Decimal(5_000),
            idempotency_key="inside-invoice",
        )
    assert not SimTransaction.objects.exists()
    # the same calls with no transaction open go through
    charge = card.get_gateway().charge(
        token=token, amount=Decimal(5_000), order_number="K209901-00001", idempotency_key="outside-card"
    )
    assert charge.status == "captured"


# --- PostgreSQL: a slow partner holds no row lock ---


@pytest.fixture(scope="module")
def _catalogue_back_after_the_flush(django_db_blocker):
    """transaction=True flushes every table after the test; the tests that follow expect the demo catalogue."""
    yield
    with django_db_blocker.unblock():
        load_demo_catalogue()


@pytest.fixture
def committed_db(_catalogue_back_after_the_flush, transactional_db):
    if not Product.objects.filter(upc="MS-M365BS-1Y").exists():  # flushed by an earlier transactional test
        load_demo_catalogue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_colleague_orders_while_a_members_partner_call_is_still_open(committed_db, monkeypatch):
    # covers: issue 10, P2, O4
    company = ensure_demo_company()
    members = {m.user.username: m for m in company.members.select_related("user")}
    buyers = {"A": _client(members["K0000001"]), "B": _client(members["K0000004"])}
    forms = {}
    for name, client in buyers.items():
        _fill(client)
        forms[name] = _checkout_data(client)

    a_at_partner, release_a = Event(), Event()
    done = {"A": Event(), "B": Event()}
    results = {}

    def partner_answers(*args, **kwargs):
        """The partner answers A's order only when the test says so (every other call at once)."""
        if current_thread().name == "order-A" and not a_at_partner.is_set():
            a_at_partner.set()
            release_a.wait(timeout=120)

    monkeypatch.setattr(invoice, "simulate_latency", partner_answers)
    monkeypatch.setattr(card, "simulate_latency", partner_answers)

    def order(name):
        try:
            results[name] = buyers[name].post("/shop/checkout/", forms[name])
        except BaseException as error:  # reported by the assertions below
            results[name] = error
        finally:
            done[name].set()
            connections.close_all()

    a = Thread(target=order, args=("A",), name="order-A")
    b = Thread(target=order, args=("B",), name="order-B")
    a.start()
    try:
        assert a_at_partner.wait(timeout=60), results
        b.start()
        assert done["B"].wait(timeout=60), "B could not order while A's partner call was open"
        assert not done["A"].is_set()  # A is still waiting for its partner
        assert getattr(results["B"], "status_code", results["B"]) == 302
        b_order = Order.objects.get(user=members["K0000004"].user)
        assert not Order.objects.filter(user=members["K0000001"].user).exists()
    finally:
        release_a.set()
        a.join(timeout=60)
        b.join(timeout=60)
    assert getattr(results["A"], "status_code", results["A"]) == 302
    a_order = Order.objects.get(user=members["K0000001"].user)
    assert a_order.number < b_order.number  # A took its number first and still got it
    held = CreditReservation.objects.filter(company=company, status=CreditReservation.Status.RESERVED)
    assert sorted(held.values_list("order__number", flat=True)) == sorted([a_order.number, b_order.number])


def _gateway_down_for(monkeypatch, times: int):
    """The gateway's void fails `times` times (unreachable), then works again."""
    voided = card.SimulatorCardGateway.void
    calls = {"n": 0}

    def flaky(self, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise card.CardGatewayError(card.UNREACHABLE, code="unreachable")
        return voided(self, **kwargs)

    monkeypatch.setattr(card.SimulatorCardGateway, "void", flaky)
    return calls


@pytest.mark.django_db
def test_a_void_that_fails_stays_compensating_and_the_sweep_finishes_it(members, monkeypatch):
    # covers: issue 10, P1 — every state has a way out: 取消処理中 is retried until the gateway has it
    calls = _gateway_down_for(monkeypatch, times=1)
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    data = _checkout_data(client, payment_method="card", card_token=_card_token(client))
    with monkeypatch.context() as patch:
        _the_order_transaction_fails_at_its_last_step(patch)
        with pytest.raises(DatabaseError, match=DISK_FULL):
            client.post("/shop/checkout/", data)
    assert not Order.objects.exists()
    payment = Payment.objects.get()
    charge = SimCharge.objects.get()
    assert payment.status == Payment.Status.COMPENSATING and charge.status == "captured" and calls["n"] == 1
    assert DISK_FULL in payment.action_error  # why it is being voided is kept with it

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert settlement.sweep()["voided"] == 1
    payment.refresh_from_db()
    charge.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED and charge.status == "voided" and calls["n"] == 2


@pytest.mark.django_db
def test_a_cancel_the_gateway_cannot_take_is_retried_and_alerts_staff_after_five_failures(
    members, monkeypatch, django_user_model
):
    # covers: issue 10, O5, P1 — a cancel commits at once; the void follows, retried by the sweep
    from shop.accounts.roles import grant
    from shop.alerts.models import StaffAlert
    from shop.order import cancellation

    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client, payment_method="card", card_token=_card_token(client)))
    order = Order.objects.get()
    staff = django_user_model.objects.create_user("orders-x", "orders-x@kobai.example", "pw", is_staff=True)
    grant(staff, "orders")
    calls = _gateway_down_for(monkeypatch, times=5)

    cancellation.cancel(order=order, by=staff, reason="お客様のご依頼により")
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == "cancelled"  # the cancel itself does not wait for the gateway
    assert payment.action == Payment.Action.CANCEL and payment.status == Payment.Status.CAPTURED
    assert not StaffAlert.objects.exists()

    moment = timezone.now()
    for attempt in range(2, 7):  # the sweep retries: the 5th failure raises the alert, the 6th call works
        moment += timedelta(minutes=2)
        with time_machine.travel(moment):
            settlement.sweep()
        payment.refresh_from_db()
        if attempt <= 5:
            assert payment.action == Payment.Action.CANCEL and payment.action_attempts == attempt
    assert calls["n"] == 6
    alert = StaffAlert.objects.get(kind="payment_action_failing")
    assert order.number in alert.title and alert.link.endswith(f"/{order.number}/")
    assert payment.action == "" and payment.status == Payment.Status.CANCELLED
    assert SimCharge.objects.get(reference=payment.reference).status == "voided"
