"""Sign-in with お客様ID, throttling (M12), idle sessions (M10), expired first passwords (M3)."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from shop.companies import activation
from shop.companies.models import Company, Member

pytestmark = pytest.mark.django_db

LOGIN = "/shop/accounts/login/"
GENERIC = "お客様IDまたはパスワードが正しくありません。"


@pytest.fixture
def buyer(django_user_model):
    user = django_user_model.objects.create_user("K1234567", "buyer@sample.example.jp", "Right-Password-1")
    company = Company.objects.create(
        name="株式会社テスト", postcode="100-0005", address="東京都", representative_name="代表"
    )
    Member.objects.create(user=user, company=company)
    return user


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7", **extra)


def test_login_with_customer_id(client, buyer):
    # covers: M3, M4
    response = _login(client, "K1234567", "Right-Password-1")
    assert response.status_code == 302
    assert client.get("/shop/accounts/").status_code in (200, 302)
    assert "_auth_user_id" in client.session


def test_same_message_for_unknown_id_and_wrong_password(client, buyer):
    # covers: M12
    unknown = _login(client, "K0000000", "Right-Password-1").content.decode()
    wrong = _login(client, "K1234567", "wrong-password").content.decode()
    assert GENERIC in unknown and GENERIC in wrong


def test_throttling_locks_then_lets_the_genuine_user_back_after_cooloff(client, buyer, settings):
    # covers: M12
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "K1234567", "guess")
    locked = _login(client, "K1234567", "Right-Password-1")
    assert locked.status_code == 429 and "しばらくログインできません" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # the cool-off passes
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
    back = _login(client, "K1234567", "Right-Password-1")
    assert back.status_code == 302 and "_auth_user_id" in client.session


def test_idle_session_expires_and_login_says_why(client, buyer, settings):
    # covers: M10
    assert settings.KOBAI_SESSION_IDLE_SECONDS == 30 * 60
    _login(client, "K1234567", "Right-Password-1")
    assert client.get("/shop/basket/").status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/shop/accounts/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?expired=1")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "一定時間操作がなかったため" in page


def test_active_session_stays(client, buyer):
    # covers: M10
    _login(client, "K1234567", "Right-Password-1")
    session = client.session
    session["last_seen"] = int(time.time()) - 29 * 60
    session.save()
    assert client.get("/shop/basket/").status_code == 200
    assert "_auth_user_id" in client.session


def test_login_says_an_unset_first_password_has_expired(client, buyer, monkeypatch):
    # covers: M3
    buyer.set_unusable_password()
    buyer.save()
    Member.objects.filter(user=buyer).update(password_deadline=activation.new_deadline())
    pending = _login(client, "K1234567", "anything").content.decode()
    assert "初回パスワードがまだ設定されていません" in pending
    monkeypatch.setattr(activation, "_now", lambda: timezone.now() + timedelta(hours=73))
    expired = _login(client, "K1234567", "anything").content.decode()
    assert "有効期限（72時間）が切れています" in expired and "ご連絡ください" in expired


def test_inactive_account_gets_the_generic_message(client, buyer):
    # covers: M12
    buyer.is_active = False
    buyer.save()
    assert GENERIC in _login(client, "K1234567", "Right-Password-1").content.decode()


def test_login_id_is_case_and_width_insensitive(client, buyer):
    # covers: M4
    assert _login(client, "ｋ１２３４５６７", "Right-Password-1").status_code == 302
