"""Emails keep their envelope, headers and attachments through the outbox, and names cannot break headers (E1).

Issue 9: Bcc recipients were merged into To (and so shown to everyone), attachments and Reply-To
were dropped, a subject longer than the outbox column failed the order's transaction on
PostgreSQL, and a CR/LF typed into a name reached the Subject header.
"""

import email
import email.policy
from email.mime.image import MIMEImage

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core import mail as django_mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from oscar.core.loading import get_model

from shop.notifications.models import OutboundEmail

Product = get_model("catalogue", "Product")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89"
INJECTED = "\r\nBcc: spy@evil.example"


class RefusingBackend(BaseEmailBackend):
    """A provider that is down: every send fails."""

    def send_messages(self, email_messages):
        raise ConnectionError("provider unavailable")


def _headers(message):
    """The message as the recipient's mail program parses it: {lower-case name: [decoded header values]}."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    found = {}
    for name, value in parsed.items():
        found.setdefault(name.lower(), []).append(value)
    return parsed, found


def _mailboxes(header):
    return [(mailbox.display_name, mailbox.addr_spec) for mailbox in header.addresses]


def _quote_mail():
    message = EmailMultiAlternatives(
        "見積書の送付",
        "見積書をお送りします。",
        "Kobai <noreply@kobai.example>",
        ["buyer@example.jp"],
        cc=["manager@example.jp"],
        bcc=["audit@kobai.example"],
        reply_to=["sales@kobai.example"],
        headers={"X-Kobai-Template": "quote_sent", "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative("<p>見積書をお送りします。</p>", "text/html")
    message.attach("見積書.pdf", PDF, "application/pdf")
    message.attach("メモ.txt", "納期は別途ご連絡します。", "text/plain")
    return message


def _assert_delivered_intact(sent):
    parsed, headers = _headers(sent)
    assert sorted(sent.recipients()) == ["audit@kobai.example", "buyer@example.jp", "manager@example.jp"]
    assert "bcc" not in headers and b"audit@kobai.example" not in sent.message().as_bytes()
    assert headers["to"] == ["buyer@example.jp"] and headers["cc"] == ["manager@example.jp"]
    assert headers["reply-to"] == ["sales@kobai.example"]
    assert headers["auto-submitted"] == ["auto-generated"] and "x-kobai-template" not in headers
    assert sent.alternatives == [("<p>見積書をお送りします。</p>", "text/html")]
    files = {part.get_filename(): part for part in parsed.walk() if part.get_filename()}
    assert files["見積書.pdf"].get_payload(decode=True) == PDF
    assert files["見積書.pdf"].get_content_type() == "application/pdf"
    assert files["メモ.txt"].get_payload(decode=True).decode() == "納期は別途ご連絡します。"


def test_bcc_stays_off_the_headers_and_reply_to_headers_and_attachments_survive(django_capture_on_commit_callbacks):
    # covers: E1
    with django_capture_on_commit_callbacks(execute=True):
        _quote_mail().send()
    row = OutboundEmail.objects.get()
    assert (row.to, row.cc, row.bcc, row.reply_to) == (
        ["buyer@example.jp"],
        ["manager@example.jp"],
        ["audit@kobai.example"],
        ["sales@kobai.example"],
    )
    assert row.status == OutboundEmail.Status.SENT and row.template == "quote_sent"
    [sent] = django_mail.outbox
    _assert_delivered_intact(sent)


def test_a_retried_message_keeps_its_envelope_and_attachments(settings, django_capture_on_commit_callbacks):
    # covers: E1
    settings.KOBAI_EMAIL_DELIVERY_BACKEND = f"{__name__}.RefusingBackend"
    message = _quote_mail()
    logo = MIMEImage(PNG, "png")
    logo.add_header("Content-ID", "<logo@kobai>")
    logo.add_header("Content-Disposition", "inline", filename="logo.png")
    message.attach(logo)
    with django_capture_on_commit_callbacks(execute=True):
        message.send()
    row = OutboundEmail.objects.get()
    assert row.status == OutboundEmail.Status.PENDING and row.attempts == 1 and "provider unavailable" in row.last_error
    assert not django_mail.outbox

    settings.KOBAI_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_outbox")
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 2
    [sent] = django_mail.outbox
    _assert_delivered_intact(sent)
    parsed, _ = _headers(sent)
    [inline] = [part for part in parsed.walk() if part.get("Content-ID") == "<logo@kobai>"]
    assert inline.get_payload(decode=True) == PNG and inline.get_filename() == "logo.png"


def test_a_long_subject_is_cut_to_fit_and_still_sent(django_capture_on_commit_callbacks):
    # covers: E1
    subject = "【ご案内】" + "株式会社とても長い名前の会社" * 25  # 330 characters
    assert len(subject) > 300
    with django_capture_on_commit_callbacks(execute=True):
        EmailMessage(subject, "本文", to=["buyer@example.jp"]).send()
    row = OutboundEmail.objects.get()
    assert len(row.subject) == 255 and row.subject.endswith("…") and subject.startswith(row.subject[:-1])
    [sent] = django_mail.outbox
    assert sent.subject == row.subject
    [header] = _headers(sent)[1]["subject"]
    assert header.strip() == row.subject  # (a long header is folded over several lines)


def test_a_cut_never_parts_a_character_from_its_combining_mark(django_capture_on_commit_callbacks):
    # covers: E1
    subject = "ア" * 253 + "か\u3099" + "き" * 10  # か + combining dakuten straddles the cut
    with django_capture_on_commit_callbacks(execute=True):
        EmailMessage(subject, "本文", to=["buyer@example.jp"]).send()
    row = OutboundEmail.objects.get()
    assert row.subject == "ア" * 253 + "…"


def test_line_breaks_in_a_display_name_add_no_header(django_capture_on_commit_callbacks):
    # covers: E1
    with django_capture_on_commit_callbacks(execute=True):
        EmailMessage(
            f"ご注文{INJECTED}",
            "本文",
            f"Kobai{INJECTED} <noreply@kobai.example>",
            [f'"山田{INJECTED}" <yamada@example.jp>'],
            reply_to=[f"営業部{INJECTED} <sales@kobai.example>"],
        ).send()
    [sent] = django_mail.outbox
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT
    _, headers = _headers(sent)
    assert "bcc" not in headers and "spy@evil.example" not in sent.recipients()
    assert headers["subject"] == ["ご注文 Bcc: spy@evil.example"]
    # the names stay names: "Bcc: spy@…" inside one can neither start a header nor add an address
    assert _mailboxes(headers["to"][0]) == [("山田 Bcc: spy@evil.example", "yamada@example.jp")]
    assert _mailboxes(headers["from"][0]) == [("Kobai Bcc: spy@evil.example", "noreply@kobai.example")]
    assert _mailboxes(headers["reply-to"][0]) == [("営業部 Bcc: spy@evil.example", "sales@kobai.example")]


def test_a_visitors_company_name_with_a_line_break_cannot_inject_a_header(client, django_capture_on_commit_callbacks):
    # covers: E1, I1
    contact = "/shop/inquiries/contact/"
    form = BeautifulSoup(client.get(contact).content, "html.parser").select_one("form.visitor-inquiry-form")
    data = {
        "submission_key": form.select_one("input[name=submission_key]")["value"],
        "company_name": f"株式会社みらい設計{INJECTED}",
        "name": "山田 花子",
        "email": "hanako@mirai-sekkei.example.jp",
        "phone": "03-1234-5678",
        "category": "product",
        "subject": "ライセンス形態について",
        "body": "10名で使う場合の契約を教えてください。",
        "website": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(contact, data).status_code == 200
    assert set(OutboundEmail.objects.values_list("status", flat=True)) == {OutboundEmail.Status.SENT}
    [to_shop] = [m for m in django_mail.outbox if m.to == [settings.SHOP_CONTACT_EMAIL]]
    _, headers = _headers(to_shop)
    assert "bcc" not in headers and to_shop.recipients() == [settings.SHOP_CONTACT_EMAIL]
    [subject] = headers["subject"]
    assert "\r" not in subject and "\n" not in subject
    assert "（会員外: 株式会社みらい設計 Bcc: spy@evil.example）" in subject
    assert all("spy@evil.example" not in m.recipients() for m in django_mail.outbox)


def test_an_approval_request_for_a_long_name_with_a_line_break_is_cut_and_sent(
    members, django_capture_on_commit_callbacks
):
    # covers: E1, M7
    requester, approver = members["K0000004"], members["K0000002"]
    requester.user.last_name = ("長" * 150 + INJECTED)[-150:]  # the column's limit, still ending in the injection
    requester.user.first_name = "名" * 150
    requester.user.save(update_fields=["last_name", "first_name"])
    client = Client()
    client.force_login(requester.user)
    client.post(f"/shop/basket/add/{Product.objects.get(upc='MS-M365BS-1Y').pk}/", {"quantity": 1})
    form = BeautifulSoup(client.get("/shop/checkout/").content, "html.parser").select_one("form.checkout-form")
    data = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    data.update(
        delivery_address=form.select_one("input[name=delivery_address][checked]")["value"], payment_method="invoice"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/shop/checkout/", data)
    order = Order.objects.get()
    assert order.status == "awaiting-approval"
    row = OutboundEmail.objects.get(template="approval_request")
    assert row.status == OutboundEmail.Status.SENT
    assert len(row.subject) == 255 and row.subject.startswith("【承認のお願い】長長") and row.subject.endswith("…")
    [sent] = [m for m in django_mail.outbox if m.to == [approver.user.email]]
    _, headers = _headers(sent)
    assert [h.strip() for h in headers["subject"]] == [row.subject] and "bcc" not in headers
    assert sent.recipients() == [approver.user.email]
