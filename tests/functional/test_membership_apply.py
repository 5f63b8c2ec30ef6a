"""「新規会員登録」: the company application form (M1) and the email outbox (E1)."""

import uuid

import pytest
from django.core import mail as django_mail

from shop.companies.models import MembershipApplication
from shop.notifications import mail
from shop.notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db

URL = "/shop/membership/apply/"


def valid_data(**overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "company_name": "株式会社サンプル商事",
        "company_postcode": "１００－０００５",
        "company_address": "東京都千代田区丸の内２－３－４　サンプルビル５階",
        "representative_name": "山田 太郎",
        "applicant_name": "佐藤 花子",
        "applicant_department": "情報システム部",
        "applicant_email": "hanako.sato@sample-shoji.example.jp",
        "applicant_phone": "０３（１２３４）５６７８",
        "authority_name": "鈴木 一郎",
        "authority_department": "情報システム部",
        "authority_title": "部長",
        "authority_email": "ichiro.suzuki@sample-shoji.example.jp",
        "authority_phone": "090-1234-5678",
        "agree": "on",
    }
    data.update(overrides)
    return data


def test_form_has_the_three_blocks(client):
    # covers: M1
    html = client.get(URL).content.decode()
    for text in ["法人情報", "お申し込み者", "発注権限者", "法人名", "郵便番号", "所在地住所", "代表者氏名", "役職名"]:
        assert text in html


def test_application_is_normalised_stored_and_acknowledged(client, django_capture_on_commit_callbacks):
    # covers: M1, E1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, valid_data())
    assert response.status_code == 302 and response["Location"] == "/shop/membership/apply/done/"
    application = MembershipApplication.objects.get()
    assert application.status == "pending"
    assert application.company_postcode == "100-0005"
    assert application.applicant_phone == "03-1234-5678"
    assert application.authority_phone == "090-1234-5678"
    assert len(django_mail.outbox) == 1
    sent = django_mail.outbox[0]
    assert "法人会員のお申し込みを受け付けました" in sent.subject
    assert set(sent.to) == {"hanako.sato@sample-shoji.example.jp", "ichiro.suzuki@sample-shoji.example.jp"}
    assert f"受付番号 {application.pk}" in sent.subject  # and nothing the applicant typed: the addresses are unverified
    assert "株式会社サンプル商事" not in sent.body and "佐藤" not in sent.body
    assert OutboundEmail.objects.get().status == "sent"
    assert "お申し込みを受け付けました" in client.get(response["Location"]).content.decode()


def test_double_submit_makes_one_application_and_one_email(client, django_capture_on_commit_callbacks):
    # covers: M1
    data = valid_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, data)
        second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert MembershipApplication.objects.count() == 1
    assert OutboundEmail.objects.count() == 1 and len(django_mail.outbox) == 1


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("company_postcode", "12-345", "郵便番号は7桁"),
        ("applicant_phone", "12345", "電話番号は0から始まる"),
        ("applicant_email", "not-an-email", "有効なメールアドレス"),
        ("company_name", "", "この項目は必須です"),
    ],
)
def test_bad_input_is_refused_with_a_japanese_message(client, field, value, message):
    # covers: M1
    response = client.post(URL, valid_data(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "入力内容をご確認ください" in html
    assert MembershipApplication.objects.count() == 0


def test_header_points_to_the_application_and_oscar_registration_is_gone(client):
    # covers: M1, W4
    assert f'href="{URL}"' in client.get("/").content.decode()
    response = client.get("/shop/accounts/register/")
    assert response.status_code == 302 and response["Location"] == URL


def test_failed_send_stays_in_the_outbox_and_is_retried(settings, django_capture_on_commit_callbacks):
    # covers: E1
    settings.KOBAI_EMAIL_DELIVERY_BACKEND = "tests.functional.test_membership_apply.BrokenBackend"
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue(template="membership_received", to="a@example.jp", context={"application": _application()})
    email = OutboundEmail.objects.get()
    assert email.status == "pending" and email.attempts == 1 and "connection refused" in email.last_error
    settings.KOBAI_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail.deliver_pending() == 1
    email.refresh_from_db()
    assert email.status == "sent" and len(django_mail.outbox) == 1


def test_rolled_back_action_sends_nothing(django_capture_on_commit_callbacks):
    # covers: E1
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            mail.queue(template="membership_received", to="a@example.jp", context={"application": _application()})
            raise RuntimeError
    assert OutboundEmail.objects.count() == 0 and django_mail.outbox == []


def _application():
    return MembershipApplication(**{k: v for k, v in valid_data().items() if k not in ("submission_key", "agree")})


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("connection refused")


def test_oscar_and_django_emails_take_the_same_path(client, django_capture_on_commit_callbacks, django_user_model):
    # covers: E1
    django_user_model.objects.create_user("K5550001", "reset-me@example.jp", "Old-Password-1")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/shop/password-reset/", {"email": "reset-me@example.jp"})
    stored = OutboundEmail.objects.get()
    assert stored.to == ["reset-me@example.jp"] and stored.status == "sent"
    assert django_mail.outbox[0].subject == stored.subject
