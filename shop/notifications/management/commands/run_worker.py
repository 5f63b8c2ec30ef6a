"""The background worker (issue 10): the shop's periodic jobs, outside any request.

Every `--interval` seconds it calls each function named in `KOBAI_WORKER_JOBS`
(dotted paths; the outbox's `deliver_pending` by default). A job that raises is
logged at ERROR on "kobai.worker" and the others still run, now and at the next
tick. SIGTERM or SIGINT (Ctrl-C) ends it after the job that is running: a
message being sent is finished and recorded, never cut off halfway. `--once`
runs one tick and exits (cron, tests). `make run` starts it beside runserver;
several workers may run at once (the outbox locks each row it sends).
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.module_loading import import_string

logger = logging.getLogger("kobai.worker")

DEFAULT_JOBS = ["shop.notifications.mail.deliver_pending"]


def _refresh_connections() -> None:
    """A long-lived process: drop connections the database closed or that outlived CONN_MAX_AGE.

    (Django does this around each request; a connection inside a transaction, e.g. a test's, is left alone.)
    """
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def run_jobs() -> dict[str, object]:
    """One tick: call every job once, each on its own; returns what each returned (or the exception it raised)."""
    results: dict[str, object] = {}
    for path in getattr(settings, "KOBAI_WORKER_JOBS", DEFAULT_JOBS):
        _refresh_connections()
        try:
            results[path] = import_string(path)()
        except Exception as exc:  # noqa: BLE001 (one broken job must not stop the others)
            logger.error("worker job %s failed", path, exc_info=True)
            results[path] = exc
    _refresh_connections()
    return results


class Command(BaseCommand):
    help = "Run the background jobs (KOBAI_WORKER_JOBS: sending the email outbox, ...) every few seconds until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between ticks (default 5)")
        parser.add_argument("--once", action="store_true", help="run one tick and exit")

    def handle(self, *args, once=False, interval=5.0, **options):
        if once:
            self._tick(options["verbosity"])
            return
        if interval <= 0:
            interval = 5.0
        stop = threading.Event()

        def request_stop(signum, frame):
            logger.info("worker: %s received, stopping after the current job", signal.Signals(signum).name)
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"worker: running {', '.join(self._jobs())} every {interval:g}s (Ctrl-C stops)")
        try:
            while not stop.is_set():
                self._tick(options["verbosity"])
                stop.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("worker: stopped")

    @staticmethod
    def _jobs() -> list[str]:
        return list(getattr(settings, "KOBAI_WORKER_JOBS", DEFAULT_JOBS))

    def _tick(self, verbosity: int) -> None:
        results = run_jobs()
        if verbosity >= 2:
            for path, result in results.items():
                self.stdout.write(f"{path}: {result!r}")
