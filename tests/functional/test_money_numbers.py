"""Issue 10: a document number is never handed out twice, and every gap says why (O4, P1, P2, P5, Q1).

A refused attempt (a declined card, a deferred invoice the partner rejects)
keeps its order number as a gap (IssuedNumber 欠番, with the refusal as the
reason); the next attempt gets a new number and a new idempotency key, and
the order after it the next number again. Quote numbers and the numbers of
納品書 / 請求書 go through the same ledger.

# covers: issue 10, O4, P1, P2, P5, Q1
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from django.db import transaction
from django.urls import reverse
from oscar.core.loading import get_model

from shop.billing import numbering
from shop.billing.models import DocumentCounter, IssuedDocument, IssuedNumber
from shop.order import fulfilment
from shop.order import status as order_status
from shop.payments import settlement
from shop.payments.models import Payment, SimBuyer, SimCharge, SimTransaction
from shop.payments.simulators.card import DECLINE_MESSAGES
from shop.quotes.models import Quote
from shop.transactions import InsideTransaction
from tests.functional.test_checkout_approval import _card_token, _checkout_data, _client, _fill, _messages

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

ORDER_NUMBER = re.compile(r"^K(\d{6})-(\d{5})$")


def following(number: str) -> str:
    """The number a counter gives right after `number` (same kind, same month)."""
    period, sequence = ORDER_NUMBER.match(number).groups()
    return f"K{period}-{int(sequence) + 1:05d}"


def issued(number: str) -> IssuedNumber:
    return IssuedNumber.objects.get(number=number)


def test_a_declined_card_leaves_an_explained_gap_and_the_next_attempt_gets_a_new_number_and_key(members):
    # covers: issue 10, P1, O4
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)

    declined = client.post(
        "/shop/checkout/",
        _checkout_data(client, payment_method="card", card_token=_card_token(client, number="4000000000000002")),
    )
    assert declined.status_code == 409 and not Order.objects.exists()
    gateway_says = DECLINE_MESSAGES["generic_decline"]
    assert gateway_says in _messages(declined)
    first = Payment.objects.get()
    assert first.status == Payment.Status.DECLINED and first.order_id is None
    assert SimCharge.objects.get(idempotency_key=first.idempotency_key).status == "declined"
    gap = issued(first.order_number)
    assert gap.kind == "order" and gap.state == IssuedNumber.State.VOID
    assert "refused" in gap.reason and gateway_says[:40] in gap.reason

    accepted = client.post(
        "/shop/checkout/", _checkout_data(client, payment_method="card", card_token=_card_token(client))
    )
    order = Order.objects.get()
    assert accepted.status_code == 302 and accepted["Location"] == f"/shop/orders/{order.number}/"
    second = Payment.objects.get(order=order)
    assert order.number != first.order_number and second.order_number == order.number
    assert second.idempotency_key != first.idempotency_key
    assert second.status == Payment.Status.CAPTURED
    assert order.number == following(first.order_number)  # the gap stays a gap: nothing reuses it
    assert issued(order.number).state == IssuedNumber.State.USED

    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client))  # a third order, by deferred invoice
    third = Order.objects.exclude(pk=order.pk).get()
    assert third.number == following(order.number)
    assert issued(third.number).state == IssuedNumber.State.USED
    assert issued(first.order_number).state == IssuedNumber.State.VOID  # still the gap it was
    assert not IssuedNumber.objects.filter(state=IssuedNumber.State.TAKEN).exists()


@pytest.mark.parametrize("why", ["over-the-partners-line", "buyer-no-longer-approved"])
def test_a_partner_rejection_leaves_an_explained_gap_and_the_next_order_gets_the_next_number(members, why):
    # covers: issue 10, P2, O4
    admin = members["K0000001"]
    company = admin.company
    buyer = SimBuyer.objects.get(buyer_id=company.invoice_buyer_id)
    if why == "over-the-partners-line":  # our own line (¥3,000,000) allows it; the partner's books do not
        SimBuyer.objects.filter(pk=buyer.pk).update(credit_limit=1000)
        partner_says = "ご利用可能枠"
    else:  # the partner withdrew the buyer's approval since the screening
        SimBuyer.objects.filter(pk=buyer.pk).update(status="rejected")
        partner_says = "審査が完了していない"
    client = _client(admin)
    _fill(client)

    refused = client.post("/shop/checkout/", _checkout_data(client))
    assert refused.status_code == 409 and not Order.objects.exists()
    assert any(partner_says in message for message in _messages(refused))
    first = Payment.objects.get()
    assert first.status == Payment.Status.REJECTED and first.order_id is None
    assert SimTransaction.objects.get(idempotency_key=first.idempotency_key).status == "rejected"
    gap = issued(first.order_number)
    assert gap.state == IssuedNumber.State.VOID and "refused" in gap.reason and partner_says in gap.reason
    assert client.get("/shop/basket/").context["basket"].num_lines == 2  # nothing lost

    SimBuyer.objects.filter(pk=buyer.pk).update(credit_limit=3_000_000, status="approved")
    accepted = client.post("/shop/checkout/", _checkout_data(client))
    order = Order.objects.get()
    assert accepted.status_code == 302
    second = Payment.objects.get(order=order)
    assert order.number == following(first.order_number)
    assert (second.order_number, second.status) == (order.number, Payment.Status.AUTHORIZED)
    assert second.idempotency_key != first.idempotency_key
    assert issued(order.number).state == IssuedNumber.State.USED

    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client))
    third = Order.objects.exclude(pk=order.pk).get()
    assert third.number == following(order.number)
    assert not IssuedNumber.objects.filter(state=IssuedNumber.State.TAKEN).exists()


def test_a_number_cannot_be_taken_inside_a_transaction(members):
    # covers: issue 10
    counters = DocumentCounter.objects.count()
    with pytest.raises(InsideTransaction), transaction.atomic():
        numbering.take(kind="order", prefix="K")
    assert not IssuedNumber.objects.exists() and DocumentCounter.objects.count() == counters
    with pytest.raises(InsideTransaction), transaction.atomic():  # nor a payment attempt be started
        settlement.begin(order_number="K209901-00001", company=members["K0000001"].company, method="invoice", amount=1)
    assert not Payment.objects.exists()
    number = numbering.take(kind="order", prefix="K")  # outside one it is taken and recorded at once
    assert issued(number).state == IssuedNumber.State.TAKEN


def test_quote_and_document_numbers_are_recorded_as_used(members, admin_user):
    # covers: issue 10, Q1, P5
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    form = BeautifulSoup(client.get("/shop/basket/").content, "html.parser").select_one("form.quote-create")
    made = client.post(form["action"], {"submission_key": form.select_one("input[name=submission_key]")["value"]})
    assert made.status_code == 302
    quote = Quote.objects.get()
    assert (issued(quote.number).kind, issued(quote.number).state) == ("quote", IssuedNumber.State.USED)

    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client))
    order = Order.objects.get()
    fulfilment.move(order=order, to=order_status.DELIVERED, by=admin_user)
    for kind in ("delivery-note", "invoice"):
        response = client.get(reverse(f"billing:{kind}", args=[order.number]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        document = IssuedDocument.objects.get(order=order, kind=kind)
        assert (issued(document.number).kind, issued(document.number).state) == (kind, IssuedNumber.State.USED)
    client.get(reverse("billing:invoice", args=[order.number]))  # asked again: the same document, no new number
    assert IssuedNumber.objects.filter(kind="invoice").count() == 1
    assert set(IssuedNumber.objects.values_list("state", flat=True)) == {IssuedNumber.State.USED}
