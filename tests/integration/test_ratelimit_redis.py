"""The public-form limits hold across processes when their counters live in Redis (I1).

With several web workers the counters must be shared: `RATELIMIT_CACHE_URL` (or `CACHE_URL`)
names a Redis server, served by Django's own RedisCache (the `redis` client package). Here the
limit is reached, the process forgets its cache connection (as a second worker would have none),
and the next post is still refused because the count lives in Redis. Redis runs on every machine
of this project (CI included); without it the test is skipped locally and fails in CI.
"""

import os
import uuid

import pytest
from django.core.cache import caches

from shop.inquiries.models import Inquiry
from tests.functional.test_public_form_limits import CONTACT, LIMITED, inquiry_data

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("KOBAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_counters(settings):
    if not _redis_answers():
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    prefix = f"kobai-test-{uuid.uuid4().hex}"
    settings.RATELIMIT_ENABLE = True
    settings.KOBAI_RATELIMIT_PER_ADDRESS = "5/10m"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    yield prefix
    caches["ratelimit"].clear()


def test_the_limit_is_kept_in_redis_and_holds_for_another_worker(client, redis_counters):
    # covers: I1
    import redis

    for n in range(5):
        response = client.post(CONTACT, inquiry_data(email=f"visitor{n}@example.jp"))
        assert response.status_code == 200, n  # the thank-you page
    keys = redis.Redis.from_url(REDIS_URL).keys(f"{redis_counters}:*")
    assert keys, "the counters are in Redis"
    # a second worker: a fresh cache connection, nothing remembered in this process
    caches["ratelimit"].close()
    del caches["ratelimit"]
    refused = client.post(CONTACT, inquiry_data(email="visitor9@example.jp"))
    assert refused.status_code == 429 and LIMITED in refused.content.decode()
    assert Inquiry.objects.filter(visitor_email__startswith="visitor").count() == 5  # the five accepted, no sixth
