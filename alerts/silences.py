"""Silences: matchers on an alert's labels plus a schedule that knows the working calendar. A
silenced alert is still recorded and shown on the board (marked 已静默), but sends no
notification and is not escalated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.calendar import WorkingCalendar
from core.reference import Schedule

MATCHABLE = ("rule", "level", "center_code", "department_code", "window_code", "subject")


class SilenceSchedule(StrEnum):
    ALWAYS = "always"  # the whole time between starts_at and ends_at
    WEEKLY = "weekly"  # on `weekdays` between `from_time` and `to_time` (local)
    CLOSED_HOURS = "closed_hours"  # whenever the centre is not open (nights, lunch, holidays)
    REST_DAYS = "rest_days"  # non-working days of the calendar (knows 调休 make-up workdays)


SCHEDULE_LABELS = {
    SilenceSchedule.ALWAYS: "持续",
    SilenceSchedule.WEEKLY: "每周时段",
    SilenceSchedule.CLOSED_HOURS: "非办公时间(含午休、节假日)",
    SilenceSchedule.REST_DAYS: "休息日",
}


@dataclass(frozen=True, slots=True)
class Silence:
    id: int
    matchers: Mapping[str, str]  # label -> value; a value ending in * matches a prefix
    starts_at: datetime
    ends_at: datetime | None = None
    schedule: SilenceSchedule = SilenceSchedule.ALWAYS
    weekdays: tuple[int, ...] = field(default=(0, 1, 2, 3, 4))
    from_time: time = time(0, 0)
    to_time: time = time(23, 59, 59)
    comment: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.matchers) - set(MATCHABLE)
        if unknown:
            raise ValueError(f"unknown silence matcher {sorted(unknown)}; known: {MATCHABLE}")


def matches(silence: Silence, labels: Mapping[str, str | None]) -> bool:
    for key, want in silence.matchers.items():
        have = labels.get(key) or ""
        if want.endswith("*"):
            if not have.startswith(want[:-1]):
                return False
        elif have != want:
            return False
    return True


def in_force(
    silence: Silence, now: datetime, calendar: WorkingCalendar, schedule: Schedule
) -> bool:
    if now < silence.starts_at or (silence.ends_at is not None and now >= silence.ends_at):
        return False
    if silence.schedule == SilenceSchedule.ALWAYS:
        return True
    if silence.schedule == SilenceSchedule.CLOSED_HOURS:
        return not calendar.is_open(now, schedule)
    local = now.astimezone(ZoneInfo(schedule.timezone))
    if silence.schedule == SilenceSchedule.REST_DAYS:
        return not calendar.is_working_day(local.date())
    return (
        local.weekday() in silence.weekdays and silence.from_time <= local.time() < silence.to_time
    )


def silenced_by(
    silences: Iterable[Silence],
    labels: Mapping[str, str | None],
    now: datetime,
    calendar: WorkingCalendar,
    schedule: Schedule,
) -> Silence | None:
    """The first silence in force that matches the alert's labels, or None."""
    for s in silences:
        if matches(s, labels) and in_force(s, now, calendar, schedule):
            return s
    return None
