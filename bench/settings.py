"""Settings for `make bench`: the project settings, production-like, on a throw-away database.

Everything lives in bench/out/ (gitignored): the SQLite file and the Whoosh index.
BENCH_DATABASE_URL (e.g. postgres://…) runs the benchmark on another database,
BENCH_HAYSTACK_PATH puts the Whoosh index elsewhere.
"""

import copy
import os
import secrets
from pathlib import Path

import environ

# Before the project settings are read (they refuse DEBUG off with a missing key or the simulator
# adapters): a fresh key, inherited by the gunicorn workers bench/run.py starts; the simulator
# adapters stay chosen (nothing here pays) but /_sim/ is not mounted.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
os.environ["KOBAI_SIMULATORS_WITHOUT_DEBUG"] = "true"

from config.settings import *  # noqa: E402,F401,F403
from config.settings import BASE_DIR, HAYSTACK_CONNECTIONS  # noqa: E402

BENCH_OUT = Path(BASE_DIR) / "bench" / "out"
BENCH_OUT.mkdir(parents=True, exist_ok=True)

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# gunicorn on 127.0.0.1 speaks plain HTTP: no redirect to HTTPS (the other production headers stay on)
SECURE_SSL_REDIRECT = False

DATABASES = {"default": environ.Env().db("BENCH_DATABASE_URL", default=f"sqlite:///{BENCH_OUT / 'bench.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two gunicorn workers share the file; the product page writes a view counter.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

HAYSTACK_CONNECTIONS = copy.deepcopy(HAYSTACK_CONNECTIONS)
HAYSTACK_CONNECTIONS["default"]["PATH"] = os.environ.get("BENCH_HAYSTACK_PATH", str(BENCH_OUT / "whoosh_index"))

# DEBUG=False: no static serving and no manifest needed; we only fetch HTML.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BENCH_OUT / "private")},
    },
}
MEDIA_ROOT = BENCH_OUT / "media"

# Errors only: a request log line per request would be measured too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
