"""Login throttling behind the reverse proxy (M12) and the first-password notice (M3).

Every visitor reaches the app from the proxy's address, so django-axes must count by the client's
address: the one the proxy wrote, never one the client wrote. Without a declared proxy the header is
ignored. The notice that an ID still waits for its first password comes only after the attempt was
counted like any failed login, so it cannot be used to probe IDs without being throttled.
"""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.utils import timezone

from shop.accounts.client_ip import client_ip
from shop.companies import activation
from shop.companies.models import Company, Member

pytestmark = pytest.mark.django_db

LOGIN = "/shop/accounts/login/"
GENERIC = "お客様IDまたはパスワードが正しくありません。"
LOCKED = "しばらくログインできません"
NOT_SET = "初回パスワードがまだ設定されていません"
EXPIRED = "有効期限（72時間）が切れています"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.KOBAI_RATELIMIT_PER_ADDRESS = "5/10m"
    caches[settings.RATELIMIT_USE_CACHE].clear()
    with time_machine.travel("2026-06-01 10:00:00+09:00", tick=False):  # no window edge in the middle of a test
        yield
    caches[settings.RATELIMIT_USE_CACHE].clear()


@pytest.fixture
def behind_proxy(settings):
    settings.KOBAI_TRUSTED_PROXY_COUNT = 1
    settings.KOBAI_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.KOBAI_TRUSTED_PROXY_IPS = []


@pytest.fixture
def company():
    return Company.objects.create(
        name="株式会社テスト", postcode="100-0005", address="東京都", representative_name="代表"
    )


@pytest.fixture
def buyer(django_user_model, company):
    user = django_user_model.objects.create_user("K1234567", "buyer@sample.example.jp", "Right-Password-1")
    Member.objects.create(user=user, company=company)
    return user


def pending_member(django_user_model, company, username):
    """An approved member who has not set a first password yet (M3)."""
    user = django_user_model.objects.create_user(username, f"{username.lower()}@sample.example.jp")
    user.set_unusable_password()
    user.save()
    Member.objects.create(user=user, company=company, password_deadline=activation.new_deadline())
    return user


def _login(client, username, password, remote_addr=PROXY, forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_behind_the_proxy_a_flood_locks_the_attackers_address_not_the_id(client, buyer, settings, behind_proxy):
    # covers: M12
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert GENERIC in _login(client, "K1234567", "guess", forwarded_for="203.0.113.5").content.decode()
    assert _login(client, "K1234567", "guess", forwarded_for="203.0.113.5").status_code == 429  # the limit
    locked = _login(client, "K1234567", "Right-Password-1", forwarded_for="203.0.113.5")
    assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # the genuine user, through the same proxy (same REMOTE_ADDR), still signs in
    genuine = _login(client, "K1234567", "Right-Password-1", forwarded_for="198.51.100.7")
    assert genuine.status_code == 302 and "_auth_user_id" in client.session


def test_a_client_cannot_choose_its_address_by_writing_the_header_itself(client, buyer, settings, behind_proxy):
    # covers: M12
    # the attacker sends "X-Forwarded-For: <someone else>"; the proxy appends the attacker's real address
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "K1234567", "guess", forwarded_for=f"198.51.100.{n + 20}, 203.0.113.5")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    assert _login(client, "K1234567", "Right-Password-1", forwarded_for="1.2.3.4, 203.0.113.5").status_code == 429
    assert _login(client, "K1234567", "Right-Password-1", forwarded_for="198.51.100.7").status_code == 302


def test_without_a_declared_proxy_a_forged_header_is_ignored(client, buyer, settings):
    # covers: M12
    assert settings.KOBAI_TRUSTED_PROXY_COUNT == 0
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "K1234567", "guess", remote_addr="192.0.2.44", forwarded_for=f"198.51.100.{n + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.44"}
    fresh_header = _login(client, "K1234567", "Right-Password-1", remote_addr="192.0.2.44", forwarded_for="1.2.3.4")
    assert fresh_header.status_code == 429
    assert _login(client, "K1234567", "Right-Password-1", remote_addr="192.0.2.45").status_code == 302


def test_the_client_address_rule():
    # covers: M12
    factory = RequestFactory()

    def ip(settings_values, remote, header=None, name="HTTP_X_FORWARDED_FOR"):
        request = factory.get("/", REMOTE_ADDR=remote, **({name: header} if header is not None else {}))
        with override_settings(**settings_values):
            return client_ip(request)

    none = {"KOBAI_TRUSTED_PROXY_COUNT": 0}
    one = {"KOBAI_TRUSTED_PROXY_COUNT": 1, "KOBAI_TRUSTED_PROXY_IPS": []}
    two = {"KOBAI_TRUSTED_PROXY_COUNT": 2, "KOBAI_TRUSTED_PROXY_IPS": []}
    assert ip(none, "10.0.0.1", "203.0.113.5") == "10.0.0.1"
    assert ip(one, "10.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert ip(one, "10.0.0.1", "6.6.6.6, 203.0.113.5") == "203.0.113.5"
    assert ip(two, "10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1") == "203.0.113.5"
    assert ip(two, "10.0.0.2", "203.0.113.5") == "10.0.0.2"  # fewer entries than proxies: not through them
    assert ip(one, "10.0.0.1") == "10.0.0.1"
    assert ip(one, "10.0.0.1", "garbage") == "10.0.0.1"
    assert ip(one, "10.0.0.1", "203.0.113.5:4711") == "203.0.113.5"
    assert ip(one, "10.0.0.1", "[2001:db8::1]:443") == "2001:db8::1"
    assert ip({**one, "KOBAI_CLIENT_IP_HEADER": "HTTP_X_REAL_IP"}, "10.0.0.1", "203.0.113.9", "HTTP_X_REAL_IP") == (
        "203.0.113.9"
    )
    # with the proxies' own addresses declared, the header counts only on requests that come from them
    listed = {**one, "KOBAI_TRUSTED_PROXY_IPS": ["10.0.0.0/24"]}
    assert ip(listed, "10.0.0.1", "203.0.113.5") == "203.0.113.5"
    assert ip(listed, "192.0.2.1", "203.0.113.5") == "192.0.2.1"


def test_probing_a_first_password_pending_id_is_throttled_like_any_login(
    client, django_user_model, company, settings, behind_proxy
):
    # covers: M3, M12
    pending_member(django_user_model, company, "K2000001")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        page = _login(client, "K2000001", f"any-{n}", forwarded_for="203.0.113.5")
        assert page.status_code == 200 and NOT_SET in page.content.decode()
    assert AccessAttempt.objects.get(username="K2000001").failures_since_start == settings.AXES_FAILURE_LIMIT - 1
    for n in range(3):  # the limit is reached: locked out, and the notice is gone
        locked = _login(client, "K2000001", f"again-{n}", forwarded_for="203.0.113.5")
        assert locked.status_code == 429 and LOCKED in locked.content.decode()
        assert NOT_SET not in locked.content.decode()
    # the real member, from their own address, is still told what to do (M3)
    page = _login(client, "K2000001", "", forwarded_for="198.51.100.7")
    assert NOT_SET not in page.content.decode()  # an empty password is a form error, not an attempt
    page = _login(client, "K2000001", "x", forwarded_for="198.51.100.7")
    assert page.status_code == 200 and NOT_SET in page.content.decode()


def test_the_expired_notice_also_comes_only_after_the_attempt_counts(
    client, django_user_model, company, settings, monkeypatch
):
    # covers: M3, M12
    pending_member(django_user_model, company, "K2000002")
    monkeypatch.setattr(activation, "_now", lambda: timezone.now() + timedelta(hours=73))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert EXPIRED in _login(client, "K2000002", "x", remote_addr="192.0.2.60").content.decode()
    locked = _login(client, "K2000002", "x", remote_addr="192.0.2.60")
    assert locked.status_code == 429 and EXPIRED not in locked.content.decode()


def test_one_address_learns_of_few_pending_ids(client, django_user_model, company):
    # covers: M12
    for n in range(7):
        pending_member(django_user_model, company, f"K300000{n}")
    told = [NOT_SET in _login(client, f"K300000{n}", "x", remote_addr="192.0.2.70").content.decode() for n in range(7)]
    assert told == [True] * 5 + [False] * 2
    # the others get the same answer as an unknown ID
    assert GENERIC in _login(client, "K3000006", "x", remote_addr="192.0.2.70").content.decode()
    assert NOT_SET in _login(client, "K3000006", "x", remote_addr="192.0.2.71").content.decode()
