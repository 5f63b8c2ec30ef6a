"""Withdrawing an order while it waits for approval 「注文の取り下げ」 (M7, O5, P2, W1; issue 11).

Everything goes through the pages a buyer uses: the requester's order page
and its 「注文を取り下げる」 button, the approver's page and its buttons.
The partner is the invoice simulator (its transaction must end cancelled),
and the approvers' emails are read from Django's outbox after commit.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.core import mail as django_mail
from oscar.core.loading import get_model

from shop.approvals import withdrawal, workflow
from shop.approvals.models import ApprovalStep
from shop.companies import credit
from shop.companies.models import CreditReservation
from shop.payments.models import Payment, SimTransaction
from tests.factories import MemberFactory
from tests.functional.test_checkout_approval import _checkout_data, _client, _fill

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _place(member):
    client = _client(member)
    _fill(client)
    response = client.post("/shop/checkout/", _checkout_data(client, purchase_order_number="PO-W1"))
    assert response.status_code == 302
    return client, Order.objects.get(company=member.company, purchase_order_number="PO-W1")


def _withdraw_form(client, order):
    page = BeautifulSoup(client.get(f"/shop/orders/{order.number}/").content, "html.parser")
    return page.select_one("form.order-withdraw")


def _withdrawn_mails():
    return {address: m for m in django_mail.outbox if "取り下げ" in m.subject for address in m.to}


def _rows(order):
    """What a refused withdrawal must leave alone."""
    order.refresh_from_db()
    return (
        order.status,
        order.cancel_reason,
        sorted(order.approval_steps.values_list("position", "state")),
        list(CreditReservation.objects.filter(order=order).values_list("status", "release_reason")),
        list(Payment.objects.filter(order=order).values_list("status", "action")),
    )


def test_the_requester_withdraws_through_the_order_page(members, django_capture_on_commit_callbacks):
    # covers: M7, O5, P2, W1, issue 11
    requester, first, second = (members[k] for k in ("K0000004", "K0000002", "K0000003"))
    client, order = _place(requester)
    company = requester.company
    assert order.status == "awaiting-approval"
    assert credit.remaining(company=company) == company.credit_limit - order.total_incl_tax
    form = _withdraw_form(client, order)
    assert form is not None and form["method"] == "post" and "注文を取り下げる" in form.get_text()
    assert form["action"] == f"/shop/orders/{order.number}/withdraw/"
    assert client.get(form["action"]).status_code == 405  # POST only

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form["action"], {"reason": "予算の都合で見送ります"})
    assert response.status_code == 302 and response["Location"] == f"/shop/orders/{order.number}/"
    assert any("取り下げました" in m for m in _messages(response))

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.cancel_reason.startswith("申請者による取り下げ") and "予算の都合で見送ります" in order.cancel_reason
    assert set(order.approval_steps.values_list("state", flat=True)) == {"closed"}
    reservation = CreditReservation.objects.get(order=order)
    assert (reservation.status, reservation.release_reason) == ("released", "withdrawn")
    assert credit.remaining(company=company) == company.credit_limit  # P2: the credit is back
    payment = Payment.objects.get(order=order)
    assert payment.status == "cancelled" and payment.action == ""
    assert SimTransaction.objects.get(reference=payment.reference).status == "cancelled"  # the partner was told

    mails = _withdrawn_mails()
    assert set(mails) == {first.user.email, second.user.email}  # both had not decided yet
    for message in mails.values():
        assert order.number in message.subject and "予算の都合で見送ります" in message.body
    assert requester.user.email not in mails

    page = client.get(f"/shop/orders/{order.number}/").content.decode()
    assert "キャンセル" in page and "申請者による取り下げ" in page
    assert _withdraw_form(client, order) is None  # no button any more

    # a double submit changes nothing and emails nobody again
    before = _rows(order)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(form["action"], {"reason": "もう一度"})
    assert again.status_code == 302 and any("承認待ちではない" in m for m in _messages(again))
    assert _rows(order) == before and len(_withdrawn_mails()) == 2
    assert len([m for m in django_mail.outbox if "取り下げ" in m.subject]) == 2


def test_an_approver_can_no_longer_act_on_a_withdrawn_order(members, django_capture_on_commit_callbacks):
    # covers: M7, W1, issue 11
    requester, first, second = (members[k] for k in ("K0000004", "K0000002", "K0000003"))
    client, order = _place(requester)
    decide = f"/shop/approvals/{order.number}/decide/"
    _client(first).post(decide, {"decision": "approve", "comment": "OK"})  # the second step is now open
    assert ApprovalStep.objects.get(order=order, position=2).state == "pending"

    django_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/shop/orders/{order.number}/withdraw/")  # no reason: it is optional
    order.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "申請者による取り下げ"
    steps = dict(order.approval_steps.values_list("position", "state"))
    assert steps == {1: "approved", 2: "closed"}  # the decision already taken stays on record
    assert set(_withdrawn_mails()) == {second.user.email}  # only the approver who still had to decide

    approver = _client(second)
    assert order.number not in approver.get("/shop/approvals/").content.decode()  # off the 承認待ち一覧
    detail = BeautifulSoup(approver.get(f"/shop/approvals/{order.number}/").content, "html.parser")
    assert not detail.select(f"form[action='{decide}']")  # no buttons
    for decision in ("approve", "send-back"):
        response = approver.post(decide, {"decision": decision, "comment": "承認します"})
        assert any("承認待ちではありません" in m for m in _messages(response))
    with pytest.raises(workflow.ApprovalRefused):
        workflow.approve(order=order, by=second)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert dict(order.approval_steps.values_list("position", "state")) == {1: "approved", 2: "closed"}
    assert not [m for m in django_mail.outbox if "ご注文を受付しました" in m.subject]


def test_only_the_requester_can_withdraw(members):
    # covers: M7, W1, issue 11 (M6: another company's order is 404)
    requester = members["K0000004"]
    _client_, order = _place(requester)
    path = f"/shop/orders/{order.number}/withdraw/"
    before = _rows(order)
    for colleague in ("K0000001", "K0000002", "K0000003"):  # the administrator and the approvers of the order
        client = _client(members[colleague])
        assert client.get(f"/shop/orders/{order.number}/").status_code == 200
        assert _withdraw_form(client, order) is None, colleague  # the button is not shown
        assert client.post(path, {"reason": "代わりに"}).status_code == 404, colleague
        assert _rows(order) == before
    with pytest.raises(withdrawal.WithdrawalRefused):
        withdrawal.withdraw(order=order, by=members["K0000001"])
    outsider = MemberFactory(role="admin", has_ordering_authority=True)
    assert _client(outsider).post(path).status_code == 404
    assert _client(outsider).get(f"/shop/orders/{order.number}/").status_code == 404
    assert _rows(order) == before


def test_an_order_not_awaiting_approval_is_refused(members):
    # covers: M7, O5, P2, issue 11
    requester, first = members["K0000004"], members["K0000002"]
    client, order = _place(requester)
    _client(first).post(f"/shop/approvals/{order.number}/decide/", {"decision": "send-back", "comment": "見直して"})
    order.refresh_from_db()
    assert order.status == "sent-back"
    before = _rows(order)
    assert _withdraw_form(client, order) is None
    response = client.post(f"/shop/orders/{order.number}/withdraw/")
    assert any("承認待ちではないため、取り下げできません" in m for m in _messages(response))
    assert _rows(order) == before and before[0] == "sent-back"

    admin = members["K0000001"]  # orders directly: accepted at once
    admin_client = _client(admin)
    _fill(admin_client)
    admin_client.post("/shop/checkout/", _checkout_data(admin_client, purchase_order_number="PO-DIRECT"))
    accepted = Order.objects.get(purchase_order_number="PO-DIRECT")
    assert accepted.status == "accepted" and _withdraw_form(admin_client, accepted) is None
    before = _rows(accepted)
    response = admin_client.post(f"/shop/orders/{accepted.number}/withdraw/")
    assert any("承認待ちではないため" in m for m in _messages(response))
    assert _rows(accepted) == before and before[3] == [("reserved", "")]
