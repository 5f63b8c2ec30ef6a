"""Issue 10: nothing is shipped unbilled (O7, P2).

An order whose deferred invoice the partner is still reviewing by hand cannot
be moved to 納品済/契約開始 in 受注管理: staff are told why, and the order
stays where it is. Once the review passes, delivery fixes the partner's
transaction (売上確定) exactly once. A rejection that arrives after delivery
anyway (the partner reversed itself) cannot be undone by the shop: staff are
alerted in the dashboard, by email and in the log.

# covers: issue 10, O7, P2
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from oscar.core.loading import get_model

from shop.alerts.models import StaffAlert
from shop.companies.models import CreditReservation
from shop.notifications.models import OutboundEmail
from shop.order import fulfilment
from shop.order import status as order_status
from shop.payments import events, settlement
from shop.payments.models import Payment, SimTransaction
from shop.payments.simulators.invoice import InvoicePartnerSimulator
from tests.functional.test_credit_ledger import ABOVE_REVIEW, MONTHLY, _place, partner, webhooks  # noqa: F401
from tests.order_factories import staff_client

Order = get_model("order", "Order")
OrderStatusChange = get_model("order", "OrderStatusChange")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return staff_client(django_user_model)  # 受注管理, past the second factor


def _path(order):
    return f"/shop/dashboard/b2b-orders/{order.number}/"


def _deliver(client, order, **extra):
    return client.post(_path(order), {"action": "status", "to": order_status.DELIVERED, **extra}, follow=True)


def _messages(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def fixes(monkeypatch):
    """Every 売上確定 the partner receives (the simulator's `fix`)."""
    received = []
    fix = InvoicePartnerSimulator.fix

    def counted(self, **arguments):
        received.append(arguments["reference"])
        return fix(self, **arguments)

    monkeypatch.setattr(InvoicePartnerSimulator, "fix", counted)
    return received


def test_an_invoice_under_review_cannot_be_delivered_until_the_partner_passes_it(
    members,
    staff,
    partner,  # noqa: F811
    webhooks,  # noqa: F811
    fixes,
):
    # covers: issue 10, O7, P2
    client, staff_user = staff
    order = _place(members["K0000001"], ABOVE_REVIEW)
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.PENDING

    refused = _deliver(client, order, delivery_date="2027-02-01")
    assert refused.status_code == 200
    told = [m for m in _messages(refused) if order.number in m]
    assert told and "審査中" in told[0] and "納品済/契約開始" in told[0]  # in Japanese, saying why
    order.refresh_from_db()
    assert order.status == order_status.ACCEPTED
    assert not OrderStatusChange.objects.filter(order=order).exists()
    assert not OutboundEmail.objects.filter(template="order_status_changed").exists()
    assert fixes == [] and SimTransaction.objects.get(reference=payment.reference).status == "pending_review"

    partner("review", reference=payment.reference, decision="passed")
    assert webhooks == [("transaction.passed", 200)]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORIZED

    delivered = _deliver(client, order)
    assert any("納品済/契約開始" in m and "変更" in m for m in _messages(delivered))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == order_status.DELIVERED and payment.status == Payment.Status.FIXED and not payment.action
    partners = SimTransaction.objects.get(reference=payment.reference)
    assert partners.status == "fixed" and partners.shipped_on == timezone.localdate()

    # delivered again: a double click, a second staff member, the sweep afterwards
    assert client.post(_path(order), {"action": "status", "to": order_status.DELIVERED}).status_code == 400
    with pytest.raises(fulfilment.MoveRefused):
        fulfilment.move(order=order, to=order_status.DELIVERED, by=staff_user)
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        settlement.sweep()
    assert fixes == [payment.reference]  # 売上確定 once
    assert OrderStatusChange.objects.filter(order=order).count() == 1


def test_a_rejection_after_delivery_alerts_staff(
    members,
    staff,
    partner,  # noqa: F811
    webhooks,  # noqa: F811
    caplog,
):
    # covers: issue 10, P2, O7
    client, staff_user = staff
    order = _place(members["K0000001"], MONTHLY)  # passed at once
    _deliver(client, order)
    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == order_status.DELIVERED and payment.status == Payment.Status.FIXED
    # the partner reverses itself after the goods shipped (its own rules would not allow it: forced here)
    SimTransaction.objects.filter(reference=payment.reference).update(status="pending_review")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)

    with caplog.at_level(logging.ERROR):
        partner("review", reference=payment.reference, decision="rejected")
    assert webhooks[-1] == ("transaction.rejected", 200)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == order_status.DELIVERED  # delivered goods cannot be un-delivered by a webhook
    assert payment.status == Payment.Status.REJECTED

    alert = StaffAlert.objects.get()
    assert alert.kind == "invoice_rejected_after_delivery" and alert.resolved_at is None
    assert order.number in alert.title and alert.link == _path(order)
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR and order.number in r.getMessage()]
    assert any(r.name == "shop.payments.events" for r in logged), [r.getMessage() for r in caplog.records]
    mailed = OutboundEmail.objects.filter(template="staff_alert")
    assert [m.to for m in mailed] == [[staff_user.email]] and order.number in mailed.get().subject
    assert CreditReservation.objects.get(order=order).status == CreditReservation.Status.RESERVED  # staff decide

    events.on_invoice_event(payment.reference, "rejected")  # the same news again: still one alert, one email
    assert StaffAlert.objects.count() == 1 and mailed.count() == 1
