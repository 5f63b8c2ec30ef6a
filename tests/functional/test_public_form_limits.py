"""Rate limits on the public forms that send email, and receipts that carry nothing the visitor typed.

The visitor inquiry (I1), the membership application (M1) and the password reset (M4) each count a
submission against the client's address (5 per 10 minutes) and against every email address it writes
to (3 per hour); over either limit the page answers 429 with the form and a Japanese message, and
nothing is created or sent. Receipts go to addresses nobody has verified, so they hold only our own
words, a reference number and how to reach us: never the typed name, company or message.
"""

import uuid

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail as django_mail
from django.core.cache import caches

from shop.companies.models import MembershipApplication
from shop.inquiries.models import Inquiry
from shop.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

CONTACT = "/shop/inquiries/contact/"
APPLY = "/shop/membership/apply/"
RESET = "/shop/password-reset/"
LIMITED = "短時間に送信が集中したため、受け付けられませんでした"
MARKER = "ZQXMARKER"


@pytest.fixture(autouse=True)
def rate_limits(settings):
    """The limits on, at their defaults, with empty counters and a clock that cannot cross a window edge."""
    settings.RATELIMIT_ENABLE = True
    settings.KOBAI_RATELIMIT_PER_ADDRESS = "5/10m"
    settings.KOBAI_RATELIMIT_PER_EMAIL = "3/h"
    cache = caches[settings.RATELIMIT_USE_CACHE]
    cache.clear()
    with time_machine.travel("2026-06-01 10:00:00+09:00", tick=False):
        yield
    cache.clear()


@pytest.fixture
def no_rate_limits(settings):
    """What a test that posts these forms many times uses: `settings.RATELIMIT_ENABLE = False`."""
    settings.RATELIMIT_ENABLE = False


def inquiry_data(email="hanako@mirai-sekkei.example.jp", text="お問い合わせ"):
    return {
        "submission_key": str(uuid.uuid4()),
        "company_name": f"株式会社{text}",
        "name": f"山田 {text}",
        "email": email,
        "phone": "03-1234-5678",
        "category": "product",
        "subject": f"件名 {text}",
        "body": f"本文 {text}",
        "website": "",
    }


def application_data(applicant="hanako@sample-shoji.example.jp", authority="ichiro@sample-shoji.example.jp", text=""):
    return {
        "submission_key": str(uuid.uuid4()),
        "company_name": f"株式会社サンプル商事{text}",
        "company_postcode": "100-0005",
        "company_address": f"東京都千代田区丸の内2-3-4 {text}",
        "representative_name": f"山田 太郎{text}",
        "applicant_name": f"佐藤 花子{text}",
        "applicant_department": f"情報システム部{text}",
        "applicant_email": applicant,
        "applicant_phone": "03-1234-5678",
        "authority_name": f"鈴木 一郎{text}",
        "authority_department": f"情報システム部{text}",
        "authority_title": f"部長{text}",
        "authority_email": authority,
        "authority_phone": "090-1234-5678",
        "agree": "on",
    }


def _from(address):
    return {"REMOTE_ADDR": address}


def _refused(response):
    page = BeautifulSoup(response.content, "html.parser")
    return response.status_code == 429 and LIMITED in page.get_text()


def test_visitor_inquiry_is_limited_per_address(client, django_capture_on_commit_callbacks):
    # covers: I1
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            ok = client.post(CONTACT, inquiry_data(email=f"v{n}@example.jp"), **_from("192.0.2.10"))
            assert ok.status_code == 200, n
        emails_before = OutboundEmail.objects.count()
        refused = client.post(CONTACT, inquiry_data(email="v9@example.jp", text="六通目"), **_from("192.0.2.10"))
    assert _refused(refused)
    page = BeautifulSoup(refused.content, "html.parser")
    assert page.select_one("form.visitor-inquiry-form input[name=company_name]")["value"] == "株式会社六通目"
    assert Inquiry.objects.filter(company__isnull=True).count() == 5
    assert not Inquiry.objects.filter(visitor_email="v9@example.jp").exists()
    assert OutboundEmail.objects.count() == emails_before == 10  # 5 receipts + 5 to the shop; none for the 6th
    # another address is not held up by the first one's flood
    other = client.post(CONTACT, inquiry_data(email="v10@example.jp"), **_from("198.51.100.7"))
    assert other.status_code == 200 and Inquiry.objects.filter(visitor_email="v10@example.jp").exists()


def test_a_form_with_errors_does_not_use_up_the_allowance(client):
    # covers: I1
    for _ in range(8):
        assert client.post(CONTACT, inquiry_data(email="not-an-address"), **_from("192.0.2.11")).status_code == 400
    assert client.post(CONTACT, inquiry_data(), **_from("192.0.2.11")).status_code == 200


def test_visitor_inquiry_is_limited_per_email_address_whatever_the_spelling(client):
    # covers: I1
    spellings = ["target@victim.example.jp", "Target@Victim.example.jp", "target+1@victim.example.jp"]
    for n, email in enumerate(spellings):
        assert client.post(CONTACT, inquiry_data(email=email), **_from(f"203.0.113.{n + 1}")).status_code == 200
    refused = client.post(CONTACT, inquiry_data(email="target+2@victim.example.jp"), **_from("203.0.113.50"))
    assert _refused(refused)
    assert Inquiry.objects.filter(visitor_email__icontains="victim.example.jp").count() == 3


def test_membership_application_is_limited_per_email_and_per_address(client, django_capture_on_commit_callbacks):
    # covers: M1
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            response = client.post(APPLY, application_data(authority=f"boss{n}@example.jp"), **_from(f"192.0.2.{n}"))
            assert response.status_code == 302, n
        refused = client.post(APPLY, application_data(authority="boss9@example.jp"), **_from("192.0.2.99"))
    assert _refused(refused)
    assert "入力内容をご確認ください" not in refused.content.decode()
    assert MembershipApplication.objects.count() == 3 and len(django_mail.outbox) == 3
    # per address: the sixth application from one address is refused, whoever it names
    for n in range(2):
        client.post(APPLY, application_data(applicant=f"a{n}@x.example.jp", authority=f"b{n}@x.example.jp"))
    for n in range(3):
        client.post(APPLY, application_data(applicant=f"c{n}@x.example.jp", authority=f"d{n}@x.example.jp"))
    assert MembershipApplication.objects.count() == 8
    refused = client.post(APPLY, application_data(applicant="e@x.example.jp", authority="f@x.example.jp"))
    assert _refused(refused) and MembershipApplication.objects.count() == 8


def test_password_reset_is_limited(client, django_user_model, django_capture_on_commit_callbacks):
    # covers: M4
    django_user_model.objects.create_user("K7654321", "taro@reset.example.jp", "Right-Password-1")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            response = client.post(RESET, {"email": "taro@reset.example.jp"}, **_from("192.0.2.20"))
            assert response.status_code == 302
        refused = client.post(RESET, {"email": "TARO@reset.example.jp"}, **_from("192.0.2.21"))
    assert _refused(refused)
    assert [m.to for m in django_mail.outbox] == [["taro@reset.example.jp"]] * 3
    # per address: unknown addresses send nothing, but still count
    for n in range(2):
        assert client.post(RESET, {"email": f"nobody{n}@example.jp"}, **_from("192.0.2.20")).status_code == 302
    assert _refused(client.post(RESET, {"email": "nobody9@example.jp"}, **_from("192.0.2.20")))


def test_the_window_passes_and_the_address_may_send_again(client):
    # covers: I1
    for n in range(5):
        client.post(CONTACT, inquiry_data(email=f"w{n}@example.jp"), **_from("192.0.2.30"))
    assert _refused(client.post(CONTACT, inquiry_data(email="w8@example.jp"), **_from("192.0.2.30")))
    with time_machine.travel("2026-06-01 10:10:01+09:00", tick=False):
        assert client.post(CONTACT, inquiry_data(email="w9@example.jp"), **_from("192.0.2.30")).status_code == 200


def test_limits_can_be_switched_off_for_tests_that_post_many_times(client, no_rate_limits):
    # covers: I1
    for _ in range(8):
        assert client.post(CONTACT, inquiry_data(email="same@example.jp"), **_from("192.0.2.40")).status_code == 200
    assert Inquiry.objects.filter(visitor_email="same@example.jp").count() == 8


def test_visitor_receipt_carries_nothing_the_visitor_typed(client, settings, django_capture_on_commit_callbacks):
    # covers: I1
    data = {
        **inquiry_data(email="someone@elsewhere.example.jp"),
        "company_name": f"{MARKER}会社",
        "name": f"{MARKER}名前",
        "subject": f"{MARKER} 件名 http://spam.example/{MARKER}",
        "body": f"{MARKER} 本文 http://spam.example/{MARKER}",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CONTACT, data)
    inquiry = Inquiry.objects.get(visitor_email="someone@elsewhere.example.jp")
    assert response.status_code == 200
    [receipt] = [m for m in django_mail.outbox if m.to == ["someone@elsewhere.example.jp"]]
    assert MARKER not in receipt.subject and MARKER not in receipt.body and "spam.example" not in receipt.body
    assert inquiry.number in receipt.subject and inquiry.number in receipt.body
    assert settings.SHOP_CONTACT_EMAIL in receipt.body and "ご担当者様" in receipt.body
    assert "ご入力いただいた内容を記載していません" in receipt.body
    # the shop's own copy keeps everything: staff need it to answer
    [to_shop] = [m for m in django_mail.outbox if m.to == [settings.SHOP_CONTACT_EMAIL]]
    assert f"{MARKER}会社" in to_shop.body and f"{MARKER} 本文" in to_shop.body
    # and the stored rows agree with what was sent
    stored = OutboundEmail.objects.get(to=["someone@elsewhere.example.jp"])
    assert MARKER not in stored.subject and MARKER not in stored.body


def test_membership_receipt_carries_nothing_the_applicant_typed(client, django_capture_on_commit_callbacks):
    # covers: M1
    data = application_data(applicant="one@unverified.example.jp", authority="two@unverified.example.jp", text=MARKER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, data)
    assert response.status_code == 302
    application = MembershipApplication.objects.get()
    assert application.company_name == f"株式会社サンプル商事{MARKER}"  # kept for screening
    [receipt] = django_mail.outbox
    assert set(receipt.to) == {"one@unverified.example.jp", "two@unverified.example.jp"}
    assert MARKER not in receipt.subject and MARKER not in receipt.body
    for typed in ("株式会社サンプル商事", "佐藤", "鈴木", "丸の内", "03-1234-5678"):
        assert typed not in receipt.body
    assert f"受付番号 {application.pk}" in receipt.subject and "法人会員のお申し込みを受け付けました" in receipt.subject
    assert "3営業日以内" in receipt.body
