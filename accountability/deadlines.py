"""The reply deadline of a notice: `reply_days` working days (default 5, DOMAIN.md) counted by
core.clocks on the centre's working calendar and opening hours — the starting day is not
counted and the deadline is the close of business of the last day."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from psycopg import Connection

from core.calendar import WorkingCalendar, official_calendar
from core.clocks import Budget, BudgetUnit, Clock, due_at
from core.reference import Schedule
from store.repos.accountability import cases as repo
from store.repos.accountability import notices as notice_repo
from store.repos.calendar import CalendarNotLoaded, load_calendar

log = logging.getLogger(__name__)


def calendar_for(conn: Connection[Any], region_code: str) -> WorkingCalendar:
    """The region's calendar from the database, or the package's official one if none is
    loaded yet."""
    try:
        return load_calendar(conn, region_code)
    except CalendarNotLoaded:
        log.warning("no calendar in the database; using the package's official calendar")
        return official_calendar()


def reply_due(
    conn: Connection[Any], center: notice_repo.CenterInfo, days: int, now: datetime
) -> tuple[datetime, WorkingCalendar]:
    cal = calendar_for(conn, center.region_code)
    clock = Clock(now, Budget(days, BudgetUnit.WORKING_DAYS))
    due = due_at(clock, calendar=cal, schedule=Schedule.model_validate(center.schedule))
    assert due is not None  # a clock without pauses always has a due time
    return due, cal


def restart_reply_clock(conn: Connection[Any], case: repo.AccCase, now: datetime) -> datetime:
    """(Re)start the case's reply clock from `now`; returns the new deadline."""
    center = notice_repo.center_info(conn, case.center_code)
    assert center is not None  # the case references it
    due, cal = reply_due(conn, center, case.reply_days, now)
    repo.start_reply_clock(
        conn,
        case,
        start_at=now,
        due_at=due,
        provisional=_provisional(cal, now, due),
        calendar_version=cal.version,
    )
    return due


def _provisional(cal: WorkingCalendar, start: datetime, due: datetime) -> bool:
    return cal.provisional_between(start.date(), due.date())
