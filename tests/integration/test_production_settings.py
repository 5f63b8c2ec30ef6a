"""Production settings fail closed (issue 9): each case starts the real project settings in a fresh process.

- With a production environment (a strong key, DEBUG unset, the real payment adapters) Django's deploy
  check finds nothing, and the HTTPS settings (redirect, HSTS, secure cookies) are on by default.
- Without DEBUG, a missing or weak secret key, a payment simulator, or a simulator's published secret
  stop the process with ImproperlyConfigured; with DJANGO_DEBUG=1 (`make run`) it starts without a key.
- The simulators under /_sim/ are mounted with DEBUG only.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# a warning or error id such as security.W004, axes.W003 or fields.E300
CHECK_ID = re.compile(r"\b[a-z_][\w.]*\.[WE]\d{3}\b")

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
from django.urls import get_resolver, resolve

security = SecurityMiddleware(lambda request: HttpResponse("ok"))
factory = RequestFactory()
plain = security(factory.get("/shop/", HTTP_HOST="shop.kobai.example"))
proxied = security(factory.get("/shop/", HTTP_HOST="shop.kobai.example", HTTP_X_FORWARDED_PROTO="https"))
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": settings.SESSION_COOKIE_HTTPONLY,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "X_FRAME_OPTIONS": settings.X_FRAME_OPTIONS,
    "KOBAI_PAYMENT_SIMULATORS": settings.KOBAI_PAYMENT_SIMULATORS,
    "secret_key_length": len(settings.SECRET_KEY),
    "sim_mounted": "payments-sim" in get_resolver().namespace_dict,
    "console_view": resolve("/_sim/invoice/console/").url_name,
    "plain": [plain.status_code, plain.get("Location", "")],
    "proxied": [proxied.status_code, proxied.get("Strict-Transport-Security", ""),
                proxied.get("X-Content-Type-Options", ""), proxied.get("Referrer-Policy", "")],
}))
"""


def strong_key() -> str:
    return secrets.token_urlsafe(64)


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without the project's variables (the suite sets some), plus `values`.

    DJANGO_DEBUG and DJANGO_SECRET_KEY are always named (empty = unset for the settings), so that a
    developer's .env, which the settings read without overwriting, cannot change the case under test.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KOBAI_", "RATELIMIT_", "HAYSTACK_"))
        and name not in ("DATABASE_URL", "CACHE_URL", "EMAIL_BACKEND", "TASKS_BACKEND")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "", "DJANGO_SECRET_KEY": ""})
    env.update(values)
    return env


def production_env(tmp_path, **overrides: str) -> dict[str, str]:
    """Only what production must set: a key, the host name, the database and the real payment services."""
    values = {
        "DJANGO_SECRET_KEY": strong_key(),
        "DJANGO_ALLOWED_HOSTS": "shop.kobai.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "KOBAI_INVOICE_PARTNER": "http",
        "KOBAI_INVOICE_PARTNER_URL": "https://api.partner.example",
        "KOBAI_INVOICE_PARTNER_SECRET": secrets.token_urlsafe(32),
        "KOBAI_CARD_GATEWAY": "http",
        "KOBAI_CARD_GATEWAY_URL": "https://api.gateway.example",
        "KOBAI_CARD_GATEWAY_PUBLIC_KEY": "pk_live_" + secrets.token_hex(8),
        "KOBAI_CARD_GATEWAY_SECRET": "sk_live_" + secrets.token_hex(16),
    }
    return clean_env(**{**values, **overrides})


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def probe(env: dict[str, str]) -> dict:
    result = run(["-c", PROBE], env)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_production_environment_passes_the_deploy_check(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "System check identified no issues" in output
    assert not CHECK_ID.findall(output), output[-3000:]


def test_without_debug_https_is_required_and_the_simulators_are_not_mounted(tmp_path):
    values = probe(production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"))
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # plain HTTP is sent to HTTPS; behind the proxy, HTTPS answers carry HSTS and the browser headers
    assert values["plain"] == [301, "https://shop.kobai.example/shop/"]
    status, hsts, nosniff, referrer = values["proxied"]
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert nosniff == "nosniff" and referrer == "same-origin"
    # covers: P2 (the simulators are for development and tests only)
    assert values["KOBAI_PAYMENT_SIMULATORS"] is False
    assert values["sim_mounted"] is False and values["console_view"] != "invoice-console"


def test_every_security_setting_can_be_overridden(tmp_path):
    values = probe(
        production_env(
            tmp_path,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SESSION_COOKIE_SECURE="false",
            DJANGO_CSRF_COOKIE_SECURE="false",
            DJANGO_SECURE_HSTS_SECONDS="0",
            DJANGO_X_FRAME_OPTIONS="SAMEORIGIN",
            DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_SCHEME,https",
        )
    )
    assert not (values["SECURE_SSL_REDIRECT"] or values["SESSION_COOKIE_SECURE"] or values["CSRF_COOKIE_SECURE"])
    assert values["SECURE_HSTS_SECONDS"] == 0 and values["X_FRAME_OPTIONS"] == "SAMEORIGIN"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert values["plain"][0] == 200


@pytest.mark.parametrize(
    "key",
    [
        "",  # missing
        "dev-only-insecure-key-change-me",  # the default this project used to ship
        "change-me",  # the old .env.example
        "django-insecure-" + secrets.token_urlsafe(48),  # startproject's marker
        secrets.token_urlsafe(24),  # too short
        "ab" * 40,  # long, but two characters
    ],
    ids=["missing", "old-default", "env-example", "django-insecure", "short", "few-characters"],
)
def test_without_debug_a_missing_or_weak_secret_key_stops_the_process(tmp_path, key):
    result = run(["-c", "import django; django.setup()"], production_env(tmp_path, DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is missing or insecure" in result.stderr


def test_a_weak_fallback_key_stops_the_process_too(tmp_path):
    env = production_env(tmp_path, DJANGO_SECRET_KEY_FALLBACKS="dev-only-insecure-key-change-me")
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY is missing or insecure" in result.stderr


def test_with_debug_the_settings_start_without_a_key_and_mount_the_simulators(tmp_path):
    # covers: P2 (`make run` serves the simulators and their console)
    env = clean_env(DJANGO_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}")
    values = probe(env)
    assert values["DEBUG"] is True and values["secret_key_length"] >= 50
    assert not (values["SECURE_SSL_REDIRECT"] or values["SESSION_COOKIE_SECURE"]) and values["SECURE_HSTS_SECONDS"] == 0
    assert values["KOBAI_PAYMENT_SIMULATORS"] is True
    assert values["sim_mounted"] is True and values["console_view"] == "invoice-console"
    assert run(["manage.py", "check"], env).returncode == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"KOBAI_INVOICE_PARTNER": "simulator"}, "The payment simulators are for development only"),
        ({"KOBAI_CARD_GATEWAY": "simulator"}, "The payment simulators are for development only"),
        ({"KOBAI_PAYMENT_SIMULATORS": "true"}, "The payment simulators are for development only"),
        ({"KOBAI_INVOICE_PARTNER_SECRET": "sim-invoice-secret-change-me"}, "published defaults"),
        ({"KOBAI_CARD_GATEWAY_SECRET": "sk_test_kobai_simulator"}, "published defaults"),
    ],
    ids=["invoice-simulator", "card-simulator", "sim-urls-forced", "invoice-sim-secret", "card-sim-secret"],
)
def test_without_debug_the_payment_simulators_stop_the_process(tmp_path, overrides, message):
    # covers: P2
    result = run(["manage.py", "check"], production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
