"""Scheduled go-live and expiry of CMS pages happen (W3, issue 11): the worker runs Wagtail's publish_scheduled.

The clock is moved with time-machine, never slept: a topic scheduled one
minute ahead is absent from トピックス, and present once the clock has passed
its time and the worker has ticked (`manage.py run_worker --once`, the same
command `make run` starts). A topic with an expiry disappears the same way.
"""

import datetime
from datetime import timedelta

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from cms.models import TopicIndexPage, TopicPage

pytestmark = pytest.mark.django_db


def _listed(client) -> list[str]:
    index = TopicIndexPage.objects.get()
    page = BeautifulSoup(client.get(index.url).content, "html.parser")
    return [item.get_text(" ", strip=True) for item in page.select(".topic-item")]


def _topic(title: str, **schedule) -> TopicPage:
    page = TopicPage(title=title, date=datetime.date(2030, 4, 1), category=TopicPage.Category.CAMPAIGN, **schedule)
    TopicIndexPage.objects.get().add_child(instance=page)
    return page


def test_a_topic_scheduled_a_minute_ahead_goes_live_when_the_worker_runs_after_its_time(client):
    # covers: W3
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        topic = _topic("予約公開のお知らせ", live=False, go_live_at=now + timedelta(minutes=1))
        topic.save_revision().publish()  # what 「公開」 does with a go-live date: approved, not live yet
        topic.refresh_from_db()
        assert not topic.live and topic.go_live_at == now + timedelta(minutes=1)
        call_command("run_worker", "--once")  # before its time the worker leaves it alone
        assert not TopicPage.objects.get(pk=topic.pk).live
        assert not any("予約公開のお知らせ" in text for text in _listed(client))
        assert client.get(topic.url).status_code == 404

    with time_machine.travel(now + timedelta(minutes=1, seconds=5), tick=False):
        call_command("run_worker", "--once")
        assert TopicPage.objects.get(pk=topic.pk).live
        assert any("予約公開のお知らせ" in text for text in _listed(client))
        assert client.get(topic.url).status_code == 200


def test_a_topic_with_an_expiry_is_taken_down_when_the_worker_runs_after_it(client):
    # covers: W3
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        topic = _topic("期間限定のお知らせ", expire_at=now + timedelta(minutes=1))
        topic.save_revision().publish()
        call_command("run_worker", "--once")
        assert any("期間限定のお知らせ" in text for text in _listed(client))

    with time_machine.travel(now + timedelta(minutes=2), tick=False):
        call_command("run_worker", "--once")
        topic.refresh_from_db()
        assert not topic.live and topic.expired
        assert not any("期間限定のお知らせ" in text for text in _listed(client))
        assert client.get(topic.url).status_code == 404
