"""Japanese business days (営業日) for ages, deadlines and invoice dates.

Rule: a business day is a Monday–Friday that is

* not a Japanese public holiday (祝日) as published by the maintained
  ``holidays`` library (country "JP"): national holidays, substitute holidays
  (振替休日) and citizens' holidays (国民の休日) are all included, so nothing
  here is a hand-written holiday table; and
* not a day of the shop's year-end/new-year closure (年末年始休業), by default
  12/29–1/3 (``DEFAULT_CLOSED_DAYS``). A deployment can replace it with the
  setting ``KOBAI_CLOSED_DAYS``, a list of ``(month, day)`` tuples; the
  setting is read on every call, so overriding it in tests or at run time
  takes effect at once.

All functions work on calendar dates. ``is_overdue`` first turns its aware
datetimes into Asia/Tokyo dates with ``timezone.localtime`` (whatever time zone
is active), so a submission at 23:30 UTC counts on the next Japanese day.
Holidays are looked up once per year and cached, so list pages may call these
functions for many rows.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

DEFAULT_CLOSED_DAYS: tuple[tuple[int, int], ...] = (
    (12, 29),
    (12, 30),
    (12, 31),
    (1, 1),
    (1, 2),
    (1, 3),
)

# The holiday calendar is Japan's, so datetimes become dates in Japan whatever
# time zone a request may have activated.
TOKYO = ZoneInfo("Asia/Tokyo")

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays_in_year(year: int) -> frozenset[date]:
    """Japanese public holidays of one year, from the ``holidays`` library."""
    if not holidays.JP.start_year <= year <= holidays.JP.end_year:
        # The library returns no holidays at all outside its range; counting
        # every weekday as a business day there would be silently wrong.
        raise ValueError(f"Japanese holidays are known for {holidays.JP.start_year}–{holidays.JP.end_year}, not {year}")
    return frozenset(holidays.country_holidays("JP", years=year))


def _closed_days() -> frozenset[tuple[int, int]]:
    configured: Iterable[tuple[int, int]] = getattr(settings, "KOBAI_CLOSED_DAYS", DEFAULT_CLOSED_DAYS)
    return frozenset((int(month), int(day)) for month, day in configured)


def _require_date(value: date, name: str) -> None:
    # datetime is a subclass of date; letting one through would compare a
    # UTC timestamp's date with Japanese calendar days.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a date, not {type(value).__name__}")


def _is_business_day(day: date, closed: frozenset[tuple[int, int]]) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in closed and day not in _holidays_in_year(day.year)


def is_business_day(day: date) -> bool:
    """True if ``day`` is a weekday, not a Japanese holiday and not a closure day."""
    _require_date(day, "day")
    return _is_business_day(day, _closed_days())


def business_days_between(*, start: date, end: date) -> int:
    """Business days after ``start`` up to and including ``end`` (0 if end <= start).

    An application submitted on ``start`` and viewed on ``end`` is this many
    business days old: the submission day itself does not count.
    """
    _require_date(start, "start")
    _require_date(end, "end")
    closed = _closed_days()
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if _is_business_day(day, closed):
            count += 1
        day += _ONE_DAY
    return count


def add_business_days(*, day: date, count: int) -> date:
    """The date ``count`` business days after ``day``.

    ``count=0`` returns ``day`` if it is a business day, else the next one.
    For ``count >= 1`` the result is always a business day and
    ``business_days_between(start=day, end=result) == count``.
    """
    _require_date(day, "day")
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count}")
    closed = _closed_days()
    if count == 0:
        while not _is_business_day(day, closed):
            day += _ONE_DAY
        return day
    remaining = count
    while remaining:
        day += _ONE_DAY
        if _is_business_day(day, closed):
            remaining -= 1
    return day


def nth_business_day_of_month(*, year: int, month: int, n: int) -> date:
    """The ``n``-th (1-based) business day of the month, e.g. n=3 for invoice dates."""
    if n < 1:
        raise ValueError(f"n must be >= 1, not {n}")
    closed = _closed_days()
    seen = 0
    for day_of_month in range(1, monthrange(year, month)[1] + 1):
        day = date(year, month, day_of_month)
        if _is_business_day(day, closed):
            seen += 1
            if seen == n:
                return day
    raise ValueError(f"{year}-{month:02d} has only {seen} business days, not {n}")


def is_overdue(*, submitted: datetime, now: datetime, limit: int = 3) -> bool:
    """True when more than ``limit`` business days lie between submission and now.

    Both datetimes must be aware; they are compared as Asia/Tokyo dates, and
    the submission day itself does not count (see ``business_days_between``).
    """
    start = timezone.localtime(submitted, TOKYO).date()
    end = timezone.localtime(now, TOKYO).date()
    return business_days_between(start=start, end=end) > limit
