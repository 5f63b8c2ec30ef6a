"""Test overlay: fast hashing, in-memory email, a throw-away Whoosh index."""

import tempfile

from config.settings import *  # noqa: F401,F403
from config.settings import HAYSTACK_CONNECTIONS

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
KOBAI_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # behind the outbox
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
