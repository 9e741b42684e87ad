"""The working calendar: official data, provisional years, local overrides and the arithmetic the
clocks rely on (checked against naive day-by-day and minute-by-minute walks)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import (
    FIRST_OFFICIAL_YEAR,
    MAKEUP_WORKDAY_NAME,
    DaySource,
    Override,
    WorkingCalendar,
    newest_official_year,
    official_calendar,
    seed_days,
)
from core.reference import Schedule, Session
from core.regions import region_prefix

CAL = official_calendar()
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = Schedule()
EARLY_SHIFT = Schedule(
    sessions=(
        Session(start=time(8, 30), end=time(12, 0)),
        Session(start=time(14, 30), end=time(18, 0)),
        Session(start=time(19, 0), end=time(20, 15)),
    )
)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def naive_add_working_days(cal: WorkingCalendar, start: date, n: int) -> date:
    day = start
    if n == 0:
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        return day
    step, counted = timedelta(days=1 if n > 0 else -1), 0
    while counted < abs(n):
        day += step
        counted += cal.is_working_day(day)
    return day


def naive_open_minutes(cal: WorkingCalendar, a: datetime, b: datetime, schedule: Schedule) -> int:
    tz, count, minute = ZoneInfo(schedule.timezone), 0, a
    while minute < b:
        local = minute.astimezone(tz)
        if cal.is_working_day(local.date()) and any(
            s.start <= local.time() < s.end for s in schedule.sessions
        ):
            count += 1
        minute += timedelta(minutes=1)
    return count


# ---------------------------------------------------------------- fixed cases


def test_twenty_working_days_after_13_february_2026_is_19_march() -> None:
    assert CAL.add_working_days(date(2026, 2, 13), 20) == date(2026, 3, 19)


def test_ten_working_days_after_30_september_2026_is_20_october() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 10) == date(2026, 10, 20)


def test_the_make_up_saturday_10_october_2026_is_an_official_working_day() -> None:
    info = CAL.day_info(date(2026, 10, 10))
    assert (info.working, info.provisional, info.source) == (True, False, DaySource.OFFICIAL)
    assert info.name == MAKEUP_WORKDAY_NAME


def test_days_of_2027_are_provisional_because_its_notice_is_not_known() -> None:
    infos = [CAL.day_info(date(2027, 1, 1) + timedelta(days=i)) for i in range(365)]
    assert all(i.provisional and i.source == DaySource.RULE for i in infos)
    assert CAL.is_working_day(date(2027, 3, 1))  # a Monday: weekday rule
    assert not CAL.is_working_day(date(2027, 3, 6))  # a Saturday
    spring = CAL.day_info(date(2027, 2, 8))  # rule-based 春节, still provisional
    assert not spring.working and spring.provisional and spring.name


def test_official_years_run_from_2004_to_the_newest_notice_and_no_further() -> None:
    newest = newest_official_year()
    assert newest >= 2026
    assert not CAL.day_info(date(FIRST_OFFICIAL_YEAR, 6, 1)).provisional
    assert not CAL.day_info(date(newest, 12, 31)).provisional
    assert CAL.day_info(date(newest + 1, 1, 4)).provisional
    assert all(d.provisional for d in seed_days([2003]))


def test_a_make_up_day_set_by_the_next_years_notice_is_seeded_with_its_year() -> None:
    # The 2006 notice made Saturday 2005-12-31 a working day.
    last = seed_days([2005])[-1]
    assert last.day == date(2005, 12, 31)
    assert last.working and not last.provisional


def test_seed_days_gives_every_day_of_each_year_once() -> None:
    days = seed_days([2024, 2023, 2024])
    assert len(days) == 366 + 365
    assert [d.day for d in days] == sorted({d.day for d in days})


def test_holiday_names_are_in_chinese() -> None:
    assert CAL.day_info(date(2026, 10, 1)).name == "国庆节"
    assert CAL.day_info(date(2026, 10, 8)).name is None


def test_add_zero_working_days_is_the_start_if_working_else_the_next_working_day() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)


def test_negative_working_days_count_backwards_without_the_start() -> None:
    assert CAL.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 3, 19), -20) == date(2026, 2, 13)


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 3, 19)) == 20
    assert CAL.working_days_between(date(2026, 3, 19), date(2026, 2, 13)) == -20
    assert CAL.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0


# ---------------------------------------------------------------- against the State Council


KNOWN_DAYS = {  # (day, working): make-up weekends and weekday days off, one or more per year
    "2010-02-20": True, "2010-02-18": False, "2011-01-30": True, "2011-10-07": False,
    "2012-01-21": True, "2012-09-29": True, "2012-01-27": False, "2013-01-05": True,
    "2013-01-02": False, "2014-01-26": True, "2014-10-07": False, "2015-01-04": True,
    "2015-01-02": False, "2016-02-06": True, "2016-06-10": False, "2017-01-22": True,
    "2017-04-03": False, "2018-02-11": True, "2018-12-29": True, "2018-12-31": False,
    "2019-02-02": True, "2019-05-03": False, "2020-01-19": True, "2020-01-31": False,
    "2020-10-08": False, "2021-02-07": True, "2021-09-20": False, "2022-01-29": True,
    "2022-04-04": False, "2023-01-28": True, "2023-06-23": False, "2024-02-04": True,
    "2024-10-12": True, "2024-02-16": False, "2025-01-26": True, "2025-09-28": True,
    "2025-02-04": False, "2026-01-04": True, "2026-02-14": True, "2026-01-02": False,
    "2026-02-23": False, "2026-10-07": False,
}  # fmt: skip


@pytest.mark.parametrize(("day", "working"), sorted(KNOWN_DAYS.items()))
def test_known_days_of_the_state_council_notices(day: str, working: bool) -> None:
    info = CAL.day_info(date.fromisoformat(day))
    assert (info.working, info.provisional) == (working, False)


def test_every_day_2010_to_2026_agrees_with_chinesecalendar() -> None:
    chinese_calendar = pytest.importorskip("chinese_calendar")
    day, wrong = date(2010, 1, 1), []
    while day <= date(2026, 12, 31):
        info = CAL.day_info(day)
        if info.working != chinese_calendar.is_workday(day) or info.provisional:
            wrong.append(day)
        day += timedelta(days=1)
    assert wrong == []


# ---------------------------------------------------------------- local overrides


def test_region_prefix_drops_trailing_zero_levels() -> None:
    assert region_prefix("610000") == "61"
    assert region_prefix("610800") == "6108"
    assert region_prefix("610802") == "610802"
    assert region_prefix("610802001000") == "610802001"
    assert region_prefix("610802100") == "610802100"
    assert region_prefix("") == ""
    with pytest.raises(ValueError):
        region_prefix("61080")


def test_a_city_typhoon_closure_applies_to_its_counties_only() -> None:
    closure = Override(date(2026, 7, 1), False, "台风停工", "610800")
    cal = CAL.with_overrides([closure])
    assert not cal.for_region("610802").is_working_day(date(2026, 7, 1))
    assert not cal.for_region("610800").is_working_day(date(2026, 7, 1))
    assert cal.for_region("610000").is_working_day(date(2026, 7, 1))
    assert cal.for_region("620100").is_working_day(date(2026, 7, 1))
    assert cal.is_working_day(date(2026, 7, 1))
    info = cal.for_region("610802").day_info(date(2026, 7, 1))
    assert (info.source, info.name, info.provisional) == (DaySource.LOCAL, "台风停工", False)


def test_the_most_specific_override_wins() -> None:
    cal = CAL.with_overrides(
        [
            Override(date(2026, 7, 1), True, "县里照常上班", "610802"),
            Override(date(2026, 7, 1), False, "省里放假", "610000"),
        ]
    )
    assert cal.for_region("610802").is_working_day(date(2026, 7, 1))
    assert not cal.for_region("610803").is_working_day(date(2026, 7, 1))


def test_an_override_moves_deadlines_and_changes_the_version() -> None:
    county = CAL.for_region("610802")
    closed = county.with_overrides([Override(date(2026, 3, 2), False, "台风停工", "610802")])
    assert closed.version != county.version
    assert closed.add_working_days(date(2026, 2, 13), 20) == date(2026, 3, 20)
    elsewhere = closed.for_region("620100")
    assert elsewhere.version == CAL.version


def test_the_version_is_a_hash_of_the_contents() -> None:
    again = WorkingCalendar(seed_days(range(2004, CAL.last_day.year + 1)))
    assert again.version == CAL.version
    assert WorkingCalendar(seed_days([2026])).version != CAL.version


def test_outside_its_days_the_calendar_uses_the_provisional_weekday_rule() -> None:
    small = WorkingCalendar(seed_days([2026]))
    assert small.day_info(date(2030, 1, 7)).provisional
    assert small.is_working_day(date(2030, 1, 7)) and not small.is_working_day(date(2030, 1, 6))
    assert small.provisional_between(date(2026, 12, 1), date(2027, 1, 1))
    assert not small.provisional_between(date(2026, 1, 1), date(2026, 12, 31))


# ---------------------------------------------------------------- agreement with naive walks


def test_add_working_days_agrees_with_a_day_by_day_walk_on_thousands_of_pairs() -> None:
    rng, small = random.Random(201), WorkingCalendar(seed_days([2025, 2026]))
    for _ in range(3000):
        start = date(2023, 6, 1) + timedelta(days=rng.randrange(365 * 5))
        n = rng.choice([rng.randrange(-30, 31), rng.randrange(0, 250)])
        cal = rng.choice([CAL, small])
        assert cal.add_working_days(start, n) == naive_add_working_days(cal, start, n), (start, n)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2002, 6, 1), max_value=date(2030, 6, 1)),
    n=st.integers(min_value=-60, max_value=300),
)
def test_a_deadline_is_always_a_working_day_and_counts_back_to_n(start: date, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert CAL.is_working_day(result)
    assert result == naive_add_working_days(CAL, start, n)
    if n > 0:
        assert CAL.working_days_between(start, result) == n


@settings(max_examples=300, deadline=None)
@given(
    a=st.dates(min_value=date(2002, 6, 1), max_value=date(2030, 6, 1)),
    days=st.integers(min_value=-400, max_value=400),
)
def test_working_days_between_agrees_with_counting_day_by_day(a: date, days: int) -> None:
    b = a + timedelta(days=days)
    lo, hi = min(a, b), max(a, b)
    count = sum(CAL.is_working_day(lo + timedelta(days=i + 1)) for i in range((hi - lo).days))
    assert CAL.working_days_between(a, b) == (count if b >= a else -count)


minute_starts = st.datetimes(min_value=datetime(2025, 12, 20), max_value=datetime(2027, 1, 10)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
)


@settings(max_examples=120, deadline=None)
@given(
    a=minute_starts,
    length=st.integers(min_value=0, max_value=4 * 24 * 60),
    schedule=st.sampled_from([DEFAULT, EARLY_SHIFT]),
)
def test_working_minutes_between_agrees_with_a_minute_walk(
    a: datetime, length: int, schedule: Schedule
) -> None:
    b = a + timedelta(minutes=length)
    expected = naive_open_minutes(CAL, a, b, schedule)
    assert CAL.working_minutes_between(a, b, schedule) == expected
    assert CAL.working_minutes_between(b, a, schedule) == -expected


@settings(max_examples=120, deadline=None)
@given(
    a=minute_starts,
    minutes=st.integers(min_value=1, max_value=3 * 480),
    schedule=st.sampled_from([DEFAULT, EARLY_SHIFT]),
)
def test_add_working_minutes_ends_at_the_end_of_the_last_counted_minute(
    a: datetime, minutes: int, schedule: Schedule
) -> None:
    result = CAL.add_working_minutes(a, minutes, schedule)
    assert naive_open_minutes(CAL, a, result, schedule) == minutes
    assert naive_open_minutes(CAL, a, result - timedelta(minutes=1), schedule) == minutes - 1
    assert CAL.add_working_minutes(result, -minutes, schedule) <= a


# ---------------------------------------------------------------- opening hours


def test_adding_working_minutes_skips_lunch_and_rest_days() -> None:
    assert CAL.add_working_minutes(at(2026, 9, 30, 11, 0), 60) == at(2026, 9, 30, 12, 0)
    assert CAL.add_working_minutes(at(2026, 9, 30, 11, 0), 61) == at(2026, 9, 30, 13, 31)
    assert CAL.add_working_minutes(at(2026, 9, 30, 17, 0), 60) == at(2026, 10, 8, 9, 30)
    assert CAL.add_working_minutes(at(2026, 10, 3, 12, 0), 0) == at(2026, 10, 3, 12, 0)


def test_is_open_knows_lunch_breaks_holidays_and_make_up_days() -> None:
    assert CAL.is_open(at(2026, 10, 10, 9, 0))  # make-up Saturday
    assert not CAL.is_open(at(2026, 10, 9, 12, 30))  # lunch
    assert not CAL.is_open(at(2026, 10, 9, 17, 30))  # closing instant is closed
    assert not CAL.is_open(at(2026, 10, 5, 10, 0))  # 国庆节（补假）
    assert not CAL.is_open(at(2026, 10, 11, 10, 0))  # Sunday


def test_next_opening_is_now_when_open_else_the_next_session_start() -> None:
    assert CAL.next_opening(at(2026, 10, 9, 10, 0)) == at(2026, 10, 9, 10, 0)
    assert CAL.next_opening(at(2026, 10, 9, 12, 0)) == at(2026, 10, 9, 13, 30)
    assert CAL.next_opening(at(2026, 10, 9, 18, 0)) == at(2026, 10, 10, 9, 0)
    assert CAL.next_opening(at(2026, 9, 30, 18, 0)) == at(2026, 10, 8, 9, 0)


def test_working_time_is_measured_in_the_schedules_time_zone() -> None:
    utc_noon = datetime(2026, 10, 9, 4, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in Shanghai
    assert not CAL.is_open(utc_noon)
    assert CAL.working_minutes_between(utc_noon, at(2026, 10, 9, 14, 0)) == 30


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.is_open(datetime(2026, 10, 9, 10, 0))
