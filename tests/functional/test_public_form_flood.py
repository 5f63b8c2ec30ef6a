"""A flood on each public form, over loopback HTTP against the live server: the limit holds.

60 submissions from one client address to the visitor inquiry (I1), the membership application (M1)
and the password reset (M4): exactly the allowed number are accepted and make their row and receipt,
every other one gets 429 and makes nothing. A visitor from another address still gets through after
the flood, and once the window has passed the flooding address may send again. The client addresses
are told by a trusted proxy header (M12), as in production.

On PostgreSQL the submissions go 4 at a time. The SQLite test database is one in-memory database
shared by the server's threads, which refuses a read while another thread writes ("database table is
locked"), so there they go one after another.
"""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import time_machine
from django.core import mail as django_mail
from django.core.cache import caches
from django.db import connections

from shop.companies.models import MembershipApplication
from shop.inquiries.models import Inquiry
from tests.helpers import load_demo_catalogue

pytestmark = pytest.mark.django_db(transaction=True)

FLOOD = 60
THREADS = 4 if connections["default"].vendor == "postgresql" else 1
ALLOWED = 5  # per address per 10 minutes
ATTACKER = "203.0.113.66"
VISITOR = "198.51.100.7"
START = "2026-06-01 10:00:00+09:00"
AFTER_THE_WINDOW = "2026-06-01 10:10:01+09:00"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(scope="module", autouse=True)
def _demo_again_after_the_flush(django_db_blocker):
    """transaction=True (the live server needs it) flushes every table; later modules expect the demo catalogue."""
    yield
    with django_db_blocker.unblock():
        load_demo_catalogue()


@pytest.fixture
def site(live_server, settings):
    """The live server behind one declared proxy hop, the limits at their defaults, empty counters, a fixed clock."""
    settings.KOBAI_TRUSTED_PROXY_COUNT = 1
    settings.KOBAI_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.KOBAI_TRUSTED_PROXY_IPS = []
    settings.RATELIMIT_ENABLE = True
    settings.KOBAI_RATELIMIT_PER_ADDRESS = f"{ALLOWED}/10m"
    settings.KOBAI_RATELIMIT_PER_EMAIL = "3/h"
    cache = caches[settings.RATELIMIT_USE_CACHE]
    cache.clear()
    with time_machine.travel(START, tick=False):
        yield live_server.url
    cache.clear()


def _session(url, path, address):
    """A browser-like session from `address`: it has fetched the form, so it holds the CSRF cookie and token."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    page = session.get(url + path, timeout=30)
    assert page.status_code == 200, page.status_code
    session.headers["Referer"] = url + path
    return session, TOKEN.search(page.text).group(1)


def _flood(url, path, make_data):
    """FLOOD posts from the attacker, THREADS at a time; the status codes, in order."""
    sessions = [_session(url, path, ATTACKER) for _ in range(THREADS)]

    def post(n):
        session, token = sessions[n % THREADS]
        try:
            return session.post(
                url + path, data={"csrfmiddlewaretoken": token, **make_data(n)}, allow_redirects=False, timeout=30
            ).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(post, range(FLOOD)))


def _post_once(url, path, address, data):
    session, token = _session(url, path, address)
    return session.post(url + path, data={"csrfmiddlewaretoken": token, **data}, allow_redirects=False, timeout=30)


def inquiry(n, email=None):
    return {
        "submission_key": str(uuid.uuid4()),
        "company_name": "株式会社フラッド",
        "name": "送信 太郎",
        "email": email or f"flood{n}@relay.example.jp",
        "phone": "",
        "category": "other",
        "subject": "buy now",
        "body": "http://spam.example/",
        "website": "",
    }


def application(n, applicant=None):
    return {
        "submission_key": str(uuid.uuid4()),
        "company_name": "株式会社フラッド",
        "company_postcode": "100-0005",
        "company_address": "東京都千代田区丸の内1-1-1",
        "representative_name": "代表 太郎",
        "applicant_name": "送信 太郎",
        "applicant_department": "営業部",
        "applicant_email": applicant or f"applicant{n}@relay.example.jp",
        "applicant_phone": "03-1234-5678",
        "authority_name": "権限 花子",
        "authority_department": "営業部",
        "authority_title": "部長",
        "authority_email": f"authority{n}@relay.example.jp",
        "authority_phone": "03-1234-5679",
        "agree": "on",
    }


def test_visitor_inquiry_flood(site):
    # covers: I1, M12
    codes = _flood(site, "/shop/inquiries/contact/", inquiry)
    assert sorted(codes) == [200] * ALLOWED + [429] * (FLOOD - ALLOWED), codes
    flood = Inquiry.objects.filter(visitor_email__endswith="@relay.example.jp")
    assert flood.count() == ALLOWED
    receipts = [m for m in django_mail.outbox if m.to[0].endswith("@relay.example.jp")]
    assert len(receipts) == ALLOWED and {m.to[0] for m in receipts} == set(
        flood.values_list("visitor_email", flat=True)
    )
    assert not any("spam.example" in m.body for m in receipts)
    # a genuine visitor through the same proxy is not held up
    visitor = _post_once(site, "/shop/inquiries/contact/", VISITOR, inquiry(0, email="hanako@mirai.example.jp"))
    assert visitor.status_code == 200 and Inquiry.objects.filter(visitor_email="hanako@mirai.example.jp").exists()
    # the window passes: the flooding address may send again
    with time_machine.travel(AFTER_THE_WINDOW, tick=False):
        again = _post_once(site, "/shop/inquiries/contact/", ATTACKER, inquiry(100))
    assert again.status_code == 200 and flood.count() == ALLOWED + 1


def test_membership_application_flood(site):
    # covers: M1, M12
    codes = _flood(site, "/shop/membership/apply/", application)
    assert sorted(codes) == [302] * ALLOWED + [429] * (FLOOD - ALLOWED), codes
    assert MembershipApplication.objects.count() == ALLOWED
    assert len(django_mail.outbox) == ALLOWED  # one receipt each, to the applicant and the authority
    visitor = _post_once(site, "/shop/membership/apply/", VISITOR, application(0, applicant="sato@honest.example.jp"))
    assert (
        visitor.status_code == 302
        and MembershipApplication.objects.filter(applicant_email="sato@honest.example.jp").exists()
    )
    with time_machine.travel(AFTER_THE_WINDOW, tick=False):
        again = _post_once(site, "/shop/membership/apply/", ATTACKER, application(100))
    assert again.status_code == 302 and MembershipApplication.objects.count() == ALLOWED + 2


def test_password_reset_flood(site, django_user_model):
    # covers: M4, M12
    for n in range(FLOOD):
        django_user_model.objects.create_user(f"K9{n:06d}", f"member{n}@relay.example.jp", "Right-Password-1")
    django_user_model.objects.create_user("K8000000", "genuine@honest.example.jp", "Right-Password-1")
    codes = _flood(site, "/shop/password-reset/", lambda n: {"email": f"member{n}@relay.example.jp"})
    assert sorted(codes) == [302] * ALLOWED + [429] * (FLOOD - ALLOWED), codes
    assert len(django_mail.outbox) == ALLOWED
    genuine = _post_once(site, "/shop/password-reset/", VISITOR, {"email": "genuine@honest.example.jp"})
    assert genuine.status_code == 302 and django_mail.outbox[-1].to == ["genuine@honest.example.jp"]
    with time_machine.travel(AFTER_THE_WINDOW, tick=False):
        again = _post_once(site, "/shop/password-reset/", ATTACKER, {"email": "member0@relay.example.jp"})
    assert again.status_code == 302 and len(django_mail.outbox) == ALLOWED + 2
