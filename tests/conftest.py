import shutil

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the demo catalogue, indexed."""
    with django_db_blocker.unblock():
        from tests.helpers import load_demo_catalogue

        load_demo_catalogue()
    yield
    shutil.rmtree(settings.HAYSTACK_CONNECTIONS["default"]["PATH"], ignore_errors=True)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(autouse=True)
def _email_through_the_outbox(settings):
    """Django's test set-up swaps EMAIL_BACKEND for locmem; keep the outbox in front of it (E1)."""
    settings.EMAIL_BACKEND = "shop.notifications.backends.OutboxBackend"
