"""The CMS's part of the background worker (W3, issue 11): scheduled go-live and expiry happen on time.

An editor may publish a page with a go-live date (公開開始日時) or an expiry
(公開終了日時); Wagtail only records them. `publish_scheduled` is Wagtail's
own command that publishes what is due and unpublishes what expired; the
worker (`manage.py run_worker`, started by `make run`; `KOBAI_WORKER_JOBS`)
runs it every tick, so a page goes live within seconds of its time.
"""

from __future__ import annotations

from django.core.management import call_command


def publish_scheduled() -> None:
    call_command("publish_scheduled")
