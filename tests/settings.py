"""Test overlay: fast hashing, in-memory email, a throw-away Whoosh index.

The project settings refuse to start without DEBUG unless the secret key is strong and no payment
simulator is chosen. The suite runs with DEBUG off and the in-process simulators, so it says so in
the environment before the project settings are read (subprocesses started by tests inherit it).
"""

import os
import secrets
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))  # a fresh key for each test run
os.environ["KOBAI_SIMULATORS_WITHOUT_DEBUG"] = "true"  # the simulators without DEBUG: the suite only
os.environ.setdefault("KOBAI_PAYMENT_SIMULATORS", "true")  # their HTTP faces under /_sim/ (contract tests)

from config.settings import *  # noqa: E402,F401,F403
from config.settings import HAYSTACK_CONNECTIONS  # noqa: E402

DEBUG = False
# The test client, the loopback servers and the browser tests speak plain HTTP on 127.0.0.1.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KOBAI_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # behind the outbox
# In production the worker (`run_worker`) sends the outbox; here each message is sent right after its
# transaction commits (`django_capture_on_commit_callbacks(execute=True)` runs it), so the many tests that
# read `django.core.mail.outbox` see it at once. Tests of the worker itself set this back to False.
KOBAI_EMAIL_DELIVER_ON_COMMIT = True
HAYSTACK_CONNECTIONS["default"]["PATH"] = tempfile.mkdtemp(prefix="kobai-test-index-")
OSCAR_PRODUCTS_PER_PAGE = 20
MEDIA_ROOT = tempfile.mkdtemp(prefix="kobai-test-media-")
STORAGES = {
    **STORAGES,
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="kobai-test-private-")},
    },
}
