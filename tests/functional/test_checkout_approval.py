"""Checkout (O2–O4), payment rules (P1), credit line (P2) and the approval workflow (M7).

Everything goes through the pages a buyer uses: the basket, 「ご注文手続き」
with its form, the approver's page and its buttons.
"""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.test import Client
from oscar.core.loading import get_model

from shop.approvals.models import ApprovalStep
from shop.companies.models import CreditReservation
from shop.notifications.models import OutboundEmail

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

CODES = {"MS-M365BS-1Y": 2, "TM-VBBS-1Y-N": 5}


def _client(member):
    client = Client()
    client.force_login(member.user)
    return client


def _fill(client, codes=CODES):
    for code, quantity in codes.items():
        client.post(f"/shop/basket/add/{Product.objects.get(upc=code).pk}/", {"quantity": quantity})


def _checkout_data(client, **fields):
    page = BeautifulSoup(client.get("/shop/checkout/").content, "html.parser")
    form = page.select_one("form.checkout-form")
    assert form is not None, page.get_text()[:500]
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    address = form.select_one("input[name=delivery_address][checked]")
    data.update({"delivery_address": address["value"], "payment_method": "invoice"}, **fields)
    return data


def _expected_gross():
    net = sum(Product.objects.get(upc=c).stockrecords.get().price * q for c, q in CODES.items())
    return net + (net * Decimal("0.1")).quantize(Decimal("1"), rounding="ROUND_DOWN")


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _subjects(to):
    return [m.subject for m in OutboundEmail.objects.order_by("pk") if to in m.to]


def test_direct_purchase_is_accepted_once_and_reserves_credit(members):
    # covers: O2, O3, O4, P2
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    data = _checkout_data(client, purchase_order_number="PO-5501", comment="至急")
    first = client.post("/shop/checkout/", data)
    second = client.post("/shop/checkout/", data)  # a double click
    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/shop/orders/{order.number}/"
    assert order.status == "accepted" and order.payment_method == "invoice"
    assert order.purchase_order_number == "PO-5501" and order.comment == "至急"
    assert "〒" in order.delivery_address and admin.company.name in order.delivery_address
    assert order.total_incl_tax == _expected_gross()
    assert sorted((line.upc, line.quantity) for line in order.lines.all()) == sorted(CODES.items())
    assert CreditReservation.objects.get(order=order).amount == order.total_incl_tax
    received = [s for s in _subjects(admin.user.email) if "ご注文を受付しました" in s]
    assert len(received) == 1 and order.number in received[0]
    assert client.get("/shop/basket/").context["basket"].num_lines == 0
    page = client.get(f"/shop/orders/{order.number}/").content.decode()
    assert "受付済" in page and "PO-5501" in page


def test_an_order_beyond_the_remaining_credit_is_refused_with_the_amount(members):
    # covers: P2
    admin = members["K0000001"]
    admin.company.credit_limit = _expected_gross() - 1
    admin.company.save()
    client = _client(admin)
    _fill(client)
    response = client.post("/shop/checkout/", _checkout_data(client))
    assert response.status_code == 409 and not Order.objects.exists()
    remaining = f"¥{_expected_gross() - 1:,.0f}"
    assert any(remaining in m and "与信枠" in m for m in _messages(response))
    assert remaining in response.content.decode()
    assert client.get("/shop/basket/").context["basket"].num_lines == 2  # nothing lost


def test_card_is_refused_server_side_for_a_member_without_authority(members):
    # covers: P1
    requester = members["K0000004"]  # no authority, route 一次+二次
    client = _client(requester)
    _fill(client)
    page = client.get("/shop/checkout/").content.decode()
    assert "発注権限のある方" in page  # told why
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("input[name=payment_method][value=card]") is None  # not offered
    response = client.post("/shop/checkout/", _checkout_data(client, payment_method="card", card_token="tok_forged"))
    assert response.status_code == 200 and not Order.objects.exists()
    assert "発注権限のある方" in response.content.decode()


def _place_as_requester(members):
    client = _client(members["K0000004"])
    _fill(client)
    client.post("/shop/checkout/", _checkout_data(client, purchase_order_number="PO-A1"))
    return client, Order.objects.get()


def test_two_step_approval_by_the_designated_approvers_only(members):
    # covers: M7, O4
    requester, first, second, admin = (members[k] for k in ("K0000004", "K0000002", "K0000003", "K0000001"))
    requester_client, order = _place_as_requester(members)
    assert order.status == "awaiting-approval"
    assert any(order.number in s for s in _subjects(first.user.email))
    assert not any("ご注文を受付しました" in s for s in _subjects(requester.user.email))

    decide = f"/shop/approvals/{order.number}/decide/"
    for outsider in (second, admin):  # the second approver before their turn, the administrator: no proxy
        client = _client(outsider)
        response = client.post(decide, {"decision": "approve"})
        order.refresh_from_db()
        assert order.status == "awaiting-approval"
        assert ApprovalStep.objects.get(order=order, position=1).state == "pending"
    assert _client(admin).get(f"/shop/approvals/{order.number}/").status_code == 404
    assert requester_client.post(decide, {"decision": "approve"}).status_code == 404  # not an approver

    first_client = _client(first)
    page = BeautifulSoup(first_client.get(f"/shop/approvals/{order.number}/").content, "html.parser")
    text = page.get_text()
    assert "PO-A1" in text and "請求書払い" in text and all(code in text for code in CODES)  # what will be ordered
    first_client.post(decide, {"decision": "approve", "comment": "予算内です"})
    assert any(order.number in s for s in _subjects(second.user.email))
    assert any("一次承認が承認されました" in s for s in _subjects(requester.user.email))
    order.refresh_from_db()
    assert order.status == "awaiting-approval"
    response = first_client.post(decide, {"decision": "approve"})  # again: the step is no longer theirs
    assert any("指定された承認者" in m for m in _messages(response))

    _client(second).post(decide, {"decision": "approve"})
    order.refresh_from_db()
    assert order.status == "accepted"
    received = [s for s in _subjects(requester.user.email) if "ご注文を受付しました" in s]
    assert len(received) == 1 and order.number in received[0]


def test_send_back_needs_a_comment_and_releases_the_credit(members):
    # covers: M7, P2
    first = members["K0000002"]
    requester_client, order = _place_as_requester(members)
    client = _client(first)
    decide = f"/shop/approvals/{order.number}/decide/"
    response = client.post(decide, {"decision": "send-back", "comment": " "})
    assert any("理由" in m for m in _messages(response))
    client.post(decide, {"decision": "send-back", "comment": "数量を見直してください"})
    order.refresh_from_db()
    assert order.status == "sent-back"
    assert CreditReservation.objects.get(order=order).status == "released"
    assert ApprovalStep.objects.get(order=order, position=2).state == "closed"
    assert any("差し戻されました" in s for s in _subjects(members["K0000004"].user.email))
    assert "数量を見直してください" in requester_client.get(f"/shop/orders/{order.number}/").content.decode()


def test_an_approver_cannot_approve_their_own_order(members):
    # covers: M7
    first = members["K0000002"]
    first.approval_route = first.Route.ONE
    first.first_approver = first
    first.save()
    client = _client(first)
    _fill(client)
    response = client.post("/shop/checkout/", _checkout_data(client))
    assert response.status_code == 409 and not Order.objects.exists()
    assert any("ご自身を承認者" in m for m in _messages(response))


def test_documents_are_checked_kept_through_a_refusal_and_bound_to_the_order(members):
    # covers: O3, P2
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import upload_corpus

    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    data = _checkout_data(client)
    hostile = SimpleUploadedFile("申請書.xlsx", upload_corpus.xlsm_renamed())
    response = client.post("/shop/checkout/", {**data, "documents": [hostile]})
    assert response.status_code == 200 and not Order.objects.exists()
    assert "申請書.xlsx" in response.content.decode()  # refused, naming the file

    admin.company.credit_limit = Decimal("1")  # the order will be refused: the uploaded file must survive it
    admin.company.save()
    pdf = SimpleUploadedFile("稟議書.pdf", upload_corpus.reportlab_pdf())
    refused = client.post("/shop/checkout/", {**data, "documents": [pdf]})
    assert refused.status_code == 409 and "稟議書.pdf（アップロード済み）" in refused.content.decode()
    kept = BeautifulSoup(refused.content, "html.parser").select_one("input[name=document_ids]")["value"]
    assert kept

    admin.company.credit_limit = Decimal("3000000")
    admin.company.save()
    client.post("/shop/checkout/", {**data, "document_ids": kept})  # no need to choose the file again
    order = Order.objects.get()
    assert [doc.original_name for doc in order.attachments.all()] == ["稟議書.pdf"]
    colleague = _client(members["K0000004"])
    page = BeautifulSoup(colleague.get(f"/shop/orders/{order.number}/").content, "html.parser")
    link = page.select_one(".order-documents a")
    assert link.get_text() == "稟議書.pdf"
    download = colleague.get(link["href"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def _card_token(client, number="4111111111111111"):
    """What card.js does in the browser: the card goes to the gateway's token endpoint, never to us."""
    from datetime import date

    from django.conf import settings

    from shop.payments import card

    response = client.post(
        card.tokenize_url(),
        {
            "public_key": settings.KOBAI_CARD_GATEWAY_PUBLIC_KEY,
            "number": number,
            "exp_month": "12",
            "exp_year": str(date.today().year + 2),
            "cvc": "123",
        },
        content_type="application/json",
    )
    assert response.status_code == 201 or response.status_code == 200, response.content
    return response.json()["token"]


def test_card_payment_by_a_member_with_authority_is_charged_and_voided_on_cancel(members, admin_user):
    # covers: P1, O5
    from shop.order import cancellation
    from shop.payments.models import Payment

    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    page = BeautifulSoup(client.get("/shop/checkout/").content, "html.parser")
    assert page.select_one("input[name=payment_method][value=card]") is not None
    assert not [i for i in page.select("[data-card-fields] input[name]") if i["name"] in ("number", "cvc")]
    data = _checkout_data(client, payment_method="card", card_token=_card_token(client))
    response = client.post("/shop/checkout/", data)
    order = Order.objects.get()
    assert response["Location"] == f"/shop/orders/{order.number}/" and order.status == "accepted"
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status, payment.card_brand, payment.card_last4) == (
        "card",
        "captured",
        "visa",
        "1111",
    )
    assert payment.amount == order.total_incl_tax
    assert not CreditReservation.objects.filter(order=order).exists()  # the card uses no credit line

    cancellation.cancel(order=order, by=admin_user, reason="お客様のご依頼により")
    payment.refresh_from_db()
    assert payment.status == "cancelled"


def test_a_declined_card_refuses_the_order_with_the_gateways_message(members):
    # covers: P1
    admin = members["K0000001"]
    client = _client(admin)
    _fill(client)
    token = _card_token(client, number="4000000000009995")  # insufficient funds
    response = client.post("/shop/checkout/", _checkout_data(client, payment_method="card", card_token=token))
    assert response.status_code == 409 and not Order.objects.exists()
    assert any("カード" in m for m in _messages(response))
    assert client.get("/shop/basket/").context["basket"].num_lines == 2  # nothing lost


def test_an_invoice_rejected_after_review_cancels_the_order_and_frees_the_credit(members):
    # covers: P2, O5
    from shop.payments import events
    from shop.payments.models import Payment

    admin = members["K0000001"]
    client = _client(admin)
    _fill(client, {"FT-FG40F-HW": 20})  # above the partner's review threshold: its answer is "pending"
    client.post("/shop/checkout/", _checkout_data(client))
    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    assert order.status == "accepted" and payment.status == "pending"
    events.on_invoice_event(payment.reference, "rejected")  # what the webhook endpoint calls
    order.refresh_from_db()
    assert order.status == "cancelled" and "審査" in order.cancel_reason
    assert CreditReservation.objects.get(order=order).status == "released"
    assert any("キャンセル" in s for s in _subjects(admin.user.email))
