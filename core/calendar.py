"""China's working calendar (DOMAIN.md → Time limits in law): which days are working days, and
working-time arithmetic over a centre's opening hours.

Data. Days are seeded from the `holidays` package, which encodes each State Council holiday notice
(放假安排) as holidays plus make-up workdays on weekends (调休上班). A year whose notice the package
does not know has rule-based holidays only and no make-up workdays, so:

    a year is *official* iff FIRST_OFFICIAL_YEAR (2004) <= year <= newest_official_year(),
    the newest year in which the package lists a make-up workday.

Every year since 2004 has had make-up workdays, so this never promotes a guessed year. Days of any
other year (before 2004, or after the newest notice) are still computed — weekday/weekend rule plus
whatever rule-based holidays the package gives — but flagged `provisional` with source "rule".
Caveat: a notice for year Y+1 may move days of late December of year Y (2005-12-31, 2007-12-29,
2018-12-29 were make-up workdays); those days change when the newer notice is loaded, and the
calendar's `version` changes with them.

Outside the range of days a `WorkingCalendar` was built from, it falls back to the plain weekday
rule (Monday–Friday working, provisional), so every function is total.

Arithmetic. Working days get a rank (the number of working days before a date) by bisection over
the sorted working-day ordinals, so adding and counting are O(log n). Working time is a *work
position*: microseconds of opening time (schedule sessions on working days, lunch break excluded)
since a fixed origin; differences of positions are working durations, and the inverse maps a
position back to the earliest instant that reaches it (so "9:00 + 180 working minutes" is 12:00,
the end of the morning session, not 13:30).
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays

from core.reference import Schedule
from core.regions import region_prefix

FIRST_OFFICIAL_YEAR = 2004
MAKEUP_WORKDAY_NAME = "调休上班"
HOLIDAY_LANGUAGE = "zh_CN"  # holiday names as the console shows them (元旦, 春节, 国庆节（补假）…)
DEFAULT_SCHEDULE = Schedule()
_US_PER_MINUTE = 60_000_000


class DaySource(StrEnum):
    OFFICIAL = "official"  # a State Council notice known to the package
    RULE = "rule"  # weekday rule plus rule-based holidays: provisional
    LOCAL = "local"  # a local override (local holiday, typhoon closure, …)


@dataclass(frozen=True, slots=True)
class DayInfo:
    day: date
    working: bool
    provisional: bool
    name: str | None
    source: DaySource


@dataclass(frozen=True, slots=True)
class Override:
    """A local decision for one day, applying to the region's subtree ('' = the whole country)."""

    day: date
    working: bool
    name: str | None = None
    region_code: str = ""

    def __post_init__(self) -> None:
        region_prefix(self.region_code)  # validates


def applies_to(override_region: str, region_code: str) -> bool:
    """True if an override for `override_region` covers `region_code` (same region or inside it)."""
    return region_prefix(region_code).startswith(region_prefix(override_region))


# ---------------------------------------------------------------- seeding from `holidays`


def _china(years: Iterable[int]) -> HolidayBase:
    return country_holidays("CN", years=years, language=HOLIDAY_LANGUAGE)


@lru_cache(maxsize=1)
def newest_official_year() -> int:
    """The newest year whose State Council notice the `holidays` package knows (see module doc)."""
    end = int(getattr(_china(()), "end_year", 2100))
    probe = _china(range(FIRST_OFFICIAL_YEAR, end + 1))
    years = [d.year for d in probe.weekend_workdays if FIRST_OFFICIAL_YEAR <= d.year <= end]
    return max(years, default=FIRST_OFFICIAL_YEAR - 1)


def is_official_year(year: int) -> bool:
    return FIRST_OFFICIAL_YEAR <= year <= newest_official_year()


def seed_days(years: Iterable[int]) -> list[DayInfo]:
    """Every day of `years` (sorted, no duplicates) as national `DayInfo`, ready to persist."""
    wanted = sorted(set(years))
    if not wanted:
        return []
    # Neighbouring years too: a notice can turn late-December days of the year before into
    # make-up workdays or days off.
    data = _china(range(wanted[0] - 1, wanted[-1] + 2))
    makeup: set[date] = set(data.weekend_workdays)
    out: list[DayInfo] = []
    for year in wanted:
        official = is_official_year(year)
        source = DaySource.OFFICIAL if official else DaySource.RULE
        day = date(year, 1, 1)
        while day.year == year:
            name: str | None = data.get(day)
            if day in makeup:
                working, name = True, MAKEUP_WORKDAY_NAME
            else:
                working = day.weekday() < 5 and name is None
            out.append(DayInfo(day, working, not official, name, source))
            day += timedelta(days=1)
    return out


def _rule_day(day: date) -> DayInfo:
    return DayInfo(day, day.weekday() < 5, True, None, DaySource.RULE)


# ---------------------------------------------------------------- weekday arithmetic
# Ordinal 1 (0001-01-01) is a Monday, so weekday(o) == (o - 1) % 7.


def _weekdays_before(ordinal: int) -> int:
    """Number of Monday–Friday ordinals in [1, ordinal)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


def _nth_weekday(j: int) -> int:
    """The ordinal of the weekday with exactly j weekdays before it."""
    weeks, rest = divmod(j, 5)
    return 1 + 7 * weeks + rest


# ---------------------------------------------------------------- opening hours


@dataclass(frozen=True, slots=True)
class _Plan:
    tz: ZoneInfo
    spans: tuple[tuple[int, int], ...]  # sessions as microseconds since local midnight
    day: int  # microseconds of opening time per working day


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


_PLANS: dict[int, tuple[Schedule, _Plan]] = {}


def _plan(schedule: Schedule) -> _Plan:
    """The schedule's plan, memoised by identity (hashing a pydantic model costs more than the
    arithmetic; the memo keeps the schedule alive so its id cannot be reused)."""
    hit = _PLANS.get(id(schedule))
    if hit is not None and hit[0] is schedule:
        return hit[1]
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    plan = _make_plan(schedule)
    _PLANS[id(schedule)] = (schedule, plan)
    return plan


def _make_plan(schedule: Schedule) -> _Plan:
    spans = tuple((_us(s.start), _us(s.end)) for s in schedule.sessions)
    if not spans:
        raise ValueError("a schedule needs at least one session")
    if any(e1 > s2 for (_, e1), (s2, _) in pairwise(spans)):
        raise ValueError("schedule sessions must be in order and must not overlap")
    if any(e <= s for s, e in spans):
        raise ValueError("every schedule session must end after it starts")
    return _Plan(ZoneInfo(schedule.timezone), spans, sum(e - s for s, e in spans))


def _local(dt: datetime, plan: _Plan) -> datetime:
    if dt.utcoffset() is None:
        raise ValueError(f"aware datetime required, got naive {dt.isoformat()}")
    return dt.astimezone(plan.tz)


def _at(ordinal: int, us_of_day: int, plan: _Plan) -> datetime:
    midnight = datetime.combine(date.fromordinal(ordinal), time(), tzinfo=plan.tz)
    return midnight + timedelta(microseconds=us_of_day)


# ---------------------------------------------------------------- the calendar


class WorkingCalendar:
    """An immutable working calendar for one region: national days plus the local overrides that
    cover the region (the most specific region wins; among equals, the later override)."""

    __slots__ = ("_base", "_days", "_lo", "_overrides", "_prov", "_region", "_version", "_work")

    def __init__(
        self,
        days: Iterable[DayInfo],
        overrides: Iterable[Override] = (),
        region_code: str = "",
    ) -> None:
        self._base = tuple(days)
        self._overrides = tuple(overrides)
        self._region = region_code
        effective = {d.day.toordinal(): d for d in self._base}
        applicable = [o for o in self._overrides if applies_to(o.region_code, region_code)]
        applicable.sort(key=lambda o: len(region_prefix(o.region_code)))  # stable
        for o in applicable:
            effective[o.day.toordinal()] = DayInfo(o.day, o.working, False, o.name, DaySource.LOCAL)
        if not effective:
            raise ValueError("a working calendar needs at least one day")
        lo, hi = min(effective), max(effective)
        self._lo = lo
        self._days = [effective.get(o) or _rule_day(date.fromordinal(o)) for o in range(lo, hi + 1)]
        self._work = array("q", (lo + i for i, d in enumerate(self._days) if d.working))
        self._prov = array("q", (lo + i for i, d in enumerate(self._days) if d.provisional))
        digest = hashlib.sha256(f"{lo}:{hi}:".encode())
        digest.update(self._work.tobytes())
        digest.update(b"|")
        digest.update(self._prov.tobytes())
        self._version = digest.hexdigest()[:16]

    # -- identity

    @property
    def version(self) -> str:
        """Changes iff a working day or a provisional flag changes (what deadlines depend on)."""
        return self._version

    @property
    def region_code(self) -> str:
        return self._region

    @property
    def first_day(self) -> date:
        return date.fromordinal(self._lo)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self._lo + len(self._days) - 1)

    def for_region(self, region_code: str) -> WorkingCalendar:
        """The same national days and overrides, seen from another region."""
        return WorkingCalendar(self._base, self._overrides, region_code)

    def with_overrides(self, overrides: Iterable[Override]) -> WorkingCalendar:
        return WorkingCalendar(self._base, (*self._overrides, *overrides), self._region)

    def days(self) -> Iterator[DayInfo]:
        return iter(self._days)

    # -- days

    def day_info(self, d: date) -> DayInfo:
        i = d.toordinal() - self._lo
        return self._days[i] if 0 <= i < len(self._days) else _rule_day(d)

    def is_working_day(self, d: date) -> bool:
        return self._is_working(d.toordinal())

    def _is_working(self, ordinal: int) -> bool:
        i = ordinal - self._lo
        if 0 <= i < len(self._days):
            return self._days[i].working
        return (ordinal - 1) % 7 < 5

    def provisional_between(self, a: date, b: date) -> bool:
        """True if any day in [a, b] is provisional."""
        lo, hi = sorted((a.toordinal(), b.toordinal()))
        if lo < self._lo or hi >= self._lo + len(self._days):
            return True
        i = bisect_left(self._prov, lo)
        return i < len(self._prov) and self._prov[i] <= hi

    def _rank(self, ordinal: int) -> int:
        """Number of working days before `ordinal` (relative to the calendar's first day)."""
        lo, end = self._lo, self._lo + len(self._days)
        if ordinal < lo:
            return _weekdays_before(ordinal) - _weekdays_before(lo)
        if ordinal <= end:
            return bisect_left(self._work, ordinal)
        return len(self._work) + _weekdays_before(ordinal) - _weekdays_before(end)

    def _select(self, k: int) -> int:
        """The ordinal of the working day with rank k (inverse of `_rank` on working days)."""
        n = len(self._work)
        if 0 <= k < n:
            return self._work[k]
        if k >= n:
            return _nth_weekday(_weekdays_before(self._lo + len(self._days)) + k - n)
        return _nth_weekday(_weekdays_before(self._lo) + k)

    def add_working_days(self, start: date, n: int) -> date:
        """民法典 §201: the starting day is not counted. n > 0: the n-th working day after `start`;
        n == 0: `start` if it is a working day, else the next working day; n < 0: the |n|-th
        working day before `start`."""
        o = start.toordinal()
        if n > 0:
            return date.fromordinal(self._select(self._rank(o + 1) + n - 1))
        return date.fromordinal(self._select(self._rank(o) + n))

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative (minus the count in (b, a]) if b < a."""
        return self._rank(b.toordinal() + 1) - self._rank(a.toordinal() + 1)

    # -- working time over a schedule

    def work_position(self, dt: datetime, schedule: Schedule = DEFAULT_SCHEDULE) -> int:
        """Microseconds of opening time before `dt` since the calendar's origin (low level)."""
        plan = _plan(schedule)
        local = _local(dt, plan)
        o = local.toordinal()
        base = self._rank(o) * plan.day
        if not self._is_working(o):
            return base
        tod = _us(local.time())
        for s, e in plan.spans:
            if tod < e:
                return base + max(tod - s, 0)
            base += e - s
        return base

    def day_position(self, d: date, schedule: Schedule = DEFAULT_SCHEDULE) -> int:
        """The work position at 00:00 of `d` (low level)."""
        return self._rank(d.toordinal()) * _plan(schedule).day

    def at_work_position(self, position: int, schedule: Schedule = DEFAULT_SCHEDULE) -> datetime:
        """The earliest instant whose work position is `position` (in the schedule's zone)."""
        plan = _plan(schedule)
        k = -(-position // plan.day) - 1  # the working day in which `position` is reached
        offset = position - k * plan.day  # in (0, plan.day]
        tod = plan.spans[-1][1]
        for s, e in plan.spans:
            if offset <= e - s:
                tod = s + offset
                break
            offset -= e - s
        return _at(self._select(k), tod, plan)

    def working_minutes_between(
        self, start_dt: datetime, end_dt: datetime, schedule: Schedule = DEFAULT_SCHEDULE
    ) -> float:
        """Opening minutes on working days in [start_dt, end_dt); negative if end_dt < start_dt."""
        delta = self.work_position(end_dt, schedule) - self.work_position(start_dt, schedule)
        return delta / _US_PER_MINUTE

    def add_working_minutes(
        self, start_dt: datetime, minutes: float, schedule: Schedule = DEFAULT_SCHEDULE
    ) -> datetime:
        """The earliest instant `minutes` working minutes after (before, if negative) `start_dt`.
        0 minutes returns `start_dt` unchanged, even outside opening hours."""
        if minutes == 0:
            return start_dt
        shift = round(minutes * _US_PER_MINUTE)
        return self.at_work_position(self.work_position(start_dt, schedule) + shift, schedule)

    def is_open(self, dt: datetime, schedule: Schedule = DEFAULT_SCHEDULE) -> bool:
        """Is the window scheduled open at `dt` (a working day, inside a session)?"""
        plan = _plan(schedule)
        local = _local(dt, plan)
        if not self._is_working(local.toordinal()):
            return False
        tod = _us(local.time())
        return any(s <= tod < e for s, e in plan.spans)

    def next_opening(self, dt: datetime, schedule: Schedule = DEFAULT_SCHEDULE) -> datetime:
        """`dt` itself if open, else the start of the next session (in the schedule's zone)."""
        plan = _plan(schedule)
        local = _local(dt, plan)
        o = local.toordinal()
        if self._is_working(o):
            tod = _us(local.time())
            for s, e in plan.spans:
                if tod < e:
                    return local if tod >= s else _at(o, s, plan)
        return _at(self._select(self._rank(o + 1)), plan.spans[0][0], plan)

    def opening_time(self, d: date, schedule: Schedule = DEFAULT_SCHEDULE) -> datetime:
        """Start of the first session on `d` (whether or not `d` is a working day)."""
        plan = _plan(schedule)
        return _at(d.toordinal(), plan.spans[0][0], plan)

    def closing_time(self, d: date, schedule: Schedule = DEFAULT_SCHEDULE) -> datetime:
        """End of business on `d`: the end of the last session (民法典 §203)."""
        plan = _plan(schedule)
        return _at(d.toordinal(), plan.spans[-1][1], plan)

    def working_minutes_per_day(self, schedule: Schedule = DEFAULT_SCHEDULE) -> float:
        return _plan(schedule).day / _US_PER_MINUTE

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self.first_day}..{self.last_day}, region={self._region!r}, "
            f"overrides={len(self._overrides)}, version={self._version})"
        )


@lru_cache(maxsize=1)
def official_calendar() -> WorkingCalendar:
    """The national calendar for 2004 … current year + 2, seeded from the package (cached)."""
    return WorkingCalendar(seed_days(range(FIRST_OFFICIAL_YEAR, date.today().year + 3)))
