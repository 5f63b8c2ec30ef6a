"""Japanese business days: weekends, public holidays, year-end closure (M2, P4).

Every expected date below was checked against the ``holidays`` library's own
JP data (names in Japanese) before it was written down as a literal.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import timezone

from shop.billing import business_days as bd

# covers: M2
# covers: P4

JST = ZoneInfo("Asia/Tokyo")


def test_library_names_the_holidays_the_rule_relies_on():
    jp = holidays.country_holidays("JP", years=[2025, 2026, 2027], language="ja")
    assert jp.get(date(2026, 4, 29)) == "昭和の日"
    assert jp.get(date(2026, 5, 6)) == "振替休日"  # 5/3 憲法記念日 fell on a Sunday
    assert jp.get(date(2026, 9, 21)) == "敬老の日"
    assert jp.get(date(2026, 9, 22)) == "国民の休日"  # sandwiched between two holidays
    assert jp.get(date(2026, 9, 23)) == "秋分の日"
    assert jp.get(date(2025, 11, 24)) == "振替休日"  # 11/23 勤労感謝の日 was a Sunday
    assert jp.get(date(2027, 1, 11)) == "成人の日"
    assert date(2026, 12, 29) not in jp  # the closure is the shop's, not a holiday


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Golden Week 2026
        (date(2026, 4, 28), True),  # Tue
        (date(2026, 4, 29), False),  # Wed 昭和の日
        (date(2026, 4, 30), True),  # Thu
        (date(2026, 5, 1), True),  # Fri
        (date(2026, 5, 2), False),  # Sat
        (date(2026, 5, 3), False),  # Sun 憲法記念日
        (date(2026, 5, 4), False),  # Mon みどりの日
        (date(2026, 5, 5), False),  # Tue こどもの日
        (date(2026, 5, 6), False),  # Wed 振替休日
        (date(2026, 5, 7), True),  # Thu
        # Silver Week 2026
        (date(2026, 9, 18), True),  # Fri
        (date(2026, 9, 21), False),  # Mon 敬老の日
        (date(2026, 9, 22), False),  # Tue 国民の休日
        (date(2026, 9, 23), False),  # Wed 秋分の日
        (date(2026, 9, 24), True),  # Thu
        # 振替休日 on a Monday
        (date(2025, 11, 24), False),  # 勤労感謝の日 11/23 was a Sunday
        (date(2025, 11, 25), True),
        (date(2027, 3, 22), False),  # 春分の日 3/21 is a Sunday
        # year-end / new-year closure 12/29–1/3
        (date(2026, 12, 28), True),  # Mon
        (date(2026, 12, 29), False),  # Tue, closure
        (date(2026, 12, 30), False),  # Wed, closure
        (date(2026, 12, 31), False),  # Thu, closure
        (date(2027, 1, 1), False),  # Fri 元日
        (date(2027, 1, 4), True),  # Mon
        # a plain weekend
        (date(2026, 5, 9), False),  # Sat
        (date(2026, 5, 10), False),  # Sun
        (date(2026, 5, 11), True),  # Mon
    ],
)
def test_is_business_day(day, expected):
    assert bd.is_business_day(day) is expected


def test_closed_days_come_from_the_setting_when_set(settings):
    settings.KOBAI_CLOSED_DAYS = [(8, 13), (8, 14)]  # an お盆 closure instead
    assert bd.is_business_day(date(2026, 8, 13)) is False  # Thu
    assert bd.is_business_day(date(2026, 8, 14)) is False  # Fri
    assert bd.is_business_day(date(2026, 12, 29)) is True  # no longer closed
    assert bd.is_business_day(date(2027, 1, 1)) is False  # 元日 is still a holiday


def test_default_closed_days_are_year_end_to_january_third():
    assert sorted(bd.DEFAULT_CLOSED_DAYS) == [(1, 1), (1, 2), (1, 3), (12, 29), (12, 30), (12, 31)]


def test_a_datetime_is_not_accepted_as_a_day():
    with pytest.raises(TypeError):
        bd.is_business_day(datetime(2026, 5, 7, 12, 0, tzinfo=JST))


def test_years_the_library_does_not_cover_are_refused():
    with pytest.raises(ValueError):
        bd.is_business_day(date(2100, 1, 4))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 5, 7), date(2026, 5, 7), 0),  # same day
        (date(2026, 5, 8), date(2026, 5, 7), 0),  # end before start
        (date(2026, 5, 7), date(2026, 5, 8), 1),  # Thu → Fri
        (date(2026, 5, 8), date(2026, 5, 11), 1),  # Fri → Mon across a weekend
        (date(2026, 2, 20), date(2026, 2, 25), 2),  # Fri → Wed: weekend + 2/23 天皇誕生日
        (date(2026, 4, 28), date(2026, 5, 7), 3),  # Golden Week: 4/30, 5/1, 5/7
        (date(2026, 9, 18), date(2026, 9, 24), 1),  # Silver Week: only 9/24
        (date(2026, 12, 25), date(2027, 1, 5), 3),  # closure: 12/28, 1/4, 1/5
        (date(2026, 5, 2), date(2026, 5, 7), 1),  # submitted on a Saturday
    ],
)
def test_business_days_between(start, end, expected):
    assert bd.business_days_between(start=start, end=end) == expected


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 4, 28), 0, date(2026, 4, 28)),  # a business day itself
        (date(2026, 5, 2), 0, date(2026, 5, 7)),  # Sat in Golden Week → next business day
        (date(2026, 4, 28), 1, date(2026, 4, 30)),  # skips 昭和の日
        (date(2026, 4, 28), 3, date(2026, 5, 7)),
        (date(2026, 5, 1), 5, date(2026, 5, 13)),
        (date(2026, 9, 18), 1, date(2026, 9, 24)),  # skips Silver Week
        (date(2026, 12, 28), 1, date(2027, 1, 4)),  # skips the closure
        (date(2026, 5, 9), 1, date(2026, 5, 11)),  # from a Saturday
    ],
)
def test_add_business_days(day, count, expected):
    assert bd.add_business_days(day=day, count=count) == expected


def test_add_business_days_is_the_inverse_of_business_days_between():
    start = date(2026, 4, 1)
    for count in range(1, 60):
        result = bd.add_business_days(day=start, count=count)
        assert bd.is_business_day(result)
        assert bd.business_days_between(start=start, end=result) == count


def test_add_business_days_refuses_a_negative_count():
    with pytest.raises(ValueError):
        bd.add_business_days(day=date(2026, 5, 7), count=-1)


@pytest.mark.parametrize(
    ("year", "month", "n", "expected"),
    [
        (2027, 1, 1, date(2027, 1, 4)),  # 1/1–1/3 closed
        (2027, 1, 3, date(2027, 1, 6)),
        (2027, 1, 5, date(2027, 1, 8)),
        (2027, 1, 6, date(2027, 1, 12)),  # skips 1/9–1/10 weekend and 1/11 成人の日
        (2027, 1, 19, date(2027, 1, 29)),  # the last one
        (2026, 5, 1, date(2026, 5, 1)),
        (2026, 5, 2, date(2026, 5, 7)),  # skips 5/2–5/6
        (2026, 5, 3, date(2026, 5, 8)),
    ],
)
def test_nth_business_day_of_month(year, month, n, expected):
    assert bd.nth_business_day_of_month(year=year, month=month, n=n) == expected


@pytest.mark.parametrize("n", [0, 20])
def test_nth_business_day_of_month_out_of_range(n):
    with pytest.raises(ValueError):
        bd.nth_business_day_of_month(year=2027, month=1, n=n)


def test_is_overdue_only_after_more_than_three_business_days():
    submitted = datetime(2026, 4, 28, 10, 0, tzinfo=JST)
    three_days = datetime(2026, 5, 7, 18, 0, tzinfo=JST)  # 4/30, 5/1, 5/7
    four_days = datetime(2026, 5, 8, 9, 0, tzinfo=JST)  # + 5/8
    assert bd.is_overdue(submitted=submitted, now=three_days) is False
    assert bd.is_overdue(submitted=submitted, now=four_days) is True
    assert bd.is_overdue(submitted=submitted, now=three_days, limit=2) is True


def test_is_overdue_counts_in_tokyo_dates_whatever_zone_is_active():
    # 2026-04-30 15:30 UTC is 2026-05-01 00:30 in Tokyo: submitted on 5/1, so
    # by 5/11 10:00 JST only 5/7, 5/8 and 5/11 have passed. Counting from the
    # UTC date (4/30) would wrongly add 5/1 and make it overdue.
    submitted = datetime(2026, 4, 30, 15, 30, tzinfo=UTC)
    now = datetime(2026, 5, 11, 1, 0, tzinfo=UTC)
    with timezone.override("UTC"):
        assert bd.is_overdue(submitted=submitted, now=now) is False
        # 2026-05-11 23:00 UTC is already 5/12 in Tokyo: a fourth business day.
        assert bd.is_overdue(submitted=submitted, now=now.replace(hour=23)) is True


def test_is_overdue_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        bd.is_overdue(submitted=datetime(2026, 4, 28, 10, 0), now=datetime(2026, 5, 8, 9, 0))


def test_holidays_are_looked_up_once_per_year(monkeypatch):
    calls = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    bd._holidays_in_year.cache_clear()
    try:
        # 261 weekdays − 17 weekday holidays − 4 weekday closure days (1/2, 12/29–31)
        assert bd.business_days_between(start=date(2025, 12, 31), end=date(2026, 12, 31)) == 240
        for _ in range(500):
            bd.is_business_day(date(2026, 5, 7))
        assert calls == [2026]
    finally:
        bd._holidays_in_year.cache_clear()
