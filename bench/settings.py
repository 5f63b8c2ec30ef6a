"""Settings for `make bench`: the project settings, production-like, on a throw-away database.

Everything lives in bench/out/ (gitignored): the SQLite file and the Whoosh index.
BENCH_DATABASE_URL (e.g. postgres://…) runs the benchmark on another database,
BENCH_HAYSTACK_PATH puts the Whoosh index elsewhere.
"""

import copy
import os
from pathlib import Path

import environ

from config.settings import *  # noqa: F401,F403
from config.settings import BASE_DIR, HAYSTACK_CONNECTIONS

BENCH_OUT = Path(BASE_DIR) / "bench" / "out"
BENCH_OUT.mkdir(parents=True, exist_ok=True)

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

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
