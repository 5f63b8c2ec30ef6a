import shutil

import pytest
from django.conf import settings

from tests import card_number_guard


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo catalogue, indexed."""
    with django_db_blocker.unblock():
        from tests.helpers import load_demo_catalogue

        load_demo_catalogue()
    yield
    shutil.rmtree(settings.HAYSTACK_CONNECTIONS["default"]["PATH"], ignore_errors=True)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    shutil.rmtree(settings.STORAGES["private"]["OPTIONS"]["location"], ignore_errors=True)


def pytest_configure(config):
    """Scan every SQL parameter, on every connection of every thread, and every log record (tests/card_number_guard.py)."""
    from django.db.backends.signals import connection_created

    connection_created.connect(card_number_guard.install, weak=False)
    card_number_guard.install_log_scanner()  # at record creation: before the masking filter (P2)


def pytest_sessionfinish(session, exitstatus):
    if card_number_guard.hits:
        session.exitstatus = 1
        print("\nCard numbers were written to the database or logs:\n  " + "\n  ".join(card_number_guard.hits[:20]))


@pytest.fixture(autouse=True)
def _no_card_number_written():
    """The test that wrote a card number fails itself (with pytest-xdist a worker's session status is not the run's)."""
    before = len(card_number_guard.hits)
    yield
    if written := card_number_guard.hits[before:]:
        pytest.fail("Card numbers were written to the database or logs:\n  " + "\n  ".join(written[:20]))


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Every test starts with empty rate-limit counters (the whole suite posts from 127.0.0.1)."""
    from django.core.cache import caches

    caches[settings.RATELIMIT_USE_CACHE].clear()


@pytest.fixture(autouse=True)
def _email_through_the_outbox(settings):
    """Django's test set-up swaps EMAIL_BACKEND for locmem; keep the outbox in front of it (E1)."""
    settings.EMAIL_BACKEND = "shop.notifications.backends.OutboxBackend"


def pytest_collection_modifyitems(config, items):
    """Concurrency tests need PostgreSQL's row locks; on SQLite (which serialises writers) they are skipped."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (CI runs the suite again on PostgreSQL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def members(db):
    """The demo company's members by お客様ID: administrator, two approvers, a requester (route 一次+二次).

    The company is screened by the payment partner's simulator (a ¥3,000,000 credit line) and
    has its registered address as the default delivery address.
    """
    from shop.demo.users import ensure_demo_company

    company = ensure_demo_company()
    return {m.user.username: m for m in company.members.select_related("user", "company")}
