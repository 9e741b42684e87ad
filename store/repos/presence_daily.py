"""Seat time for 在岗率 (migration 0052): the `presence_daily` aggregate of presence samples (one
row per local day and window: observed and occupied minutes of the opening sessions), its
incremental refresh, and what reading it needs — the windows in scope with their schedules, and
who signed in (attendance.clock_in) at which window on which day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row

# Per window and minute: known if any sample of any seat knew the seat state, occupied if any
# said someone sat there. A minute counts when it starts inside one of the sessions of the
# window's schedule (else the centre's), read in that schedule's time zone.
_REFRESH = """
with s as (
    select p.window_code, date_trunc('minute', p.at) as minute, bool_or(p.occupied) as occupied
    from presence_samples p
    where p.window_code is not null and p.at >= %(lo)s
    group by 1, 2
), m as (
    select s.window_code, s.occupied, w.department_code, w.center_code, ce.region_code,
           coalesce(w.schedule, ce.schedule) as sch,
           s.minute at time zone coalesce(coalesce(w.schedule, ce.schedule) ->> 'timezone',
                                          'Asia/Shanghai') as local
    from s join windows w on w.code = s.window_code join centers ce on ce.code = w.center_code
)
insert into presence_daily as d (day, window_code, region_code, center_code, department_code,
                                 observed_min, seat_min)
select local::date, window_code, region_code, center_code, department_code,
       count(*) filter (where occupied is not null), count(*) filter (where occupied)
from m
where local::date >= %(since)s
  and exists (select 1 from jsonb_array_elements(sch -> 'sessions') x
              where local::time >= (x ->> 'start')::time and local::time < (x ->> 'end')::time)
group by 1, 2, 3, 4, 5
on conflict (day, window_code) do update set
    region_code = excluded.region_code, center_code = excluded.center_code,
    department_code = excluded.department_code, observed_min = excluded.observed_min,
    seat_min = excluded.seat_min, refreshed_at = now()
where excluded.observed_min >= d.observed_min
"""


def refresh(conn: Connection[Any], since: date | None = None) -> int:
    """Recompute the days from `since` (default: the last stored day, which may have been
    partial; every day when nothing is stored yet) from the samples still kept. A day never gets
    fewer observed minutes than it has, so days whose samples were purged (retention) keep their
    numbers. Returns the number of (day, window) rows written."""
    if since is None:
        row = conn.execute("select max(day) from presence_daily").fetchone()
        since = _v(row, 0) if row is not None else None
    start = since or date(1970, 1, 2)
    # Every time zone is less than a day away from UTC: the day before is a safe lower bound.
    lo = datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC)
    cur = conn.execute(_REFRESH, {"lo": lo, "since": start})  # type: ignore[arg-type]
    return cur.rowcount


@dataclass(frozen=True)
class WindowDay:
    day: date
    window_code: str
    observed_min: int
    seat_min: int


@dataclass(frozen=True)
class WindowPlace:
    code: str
    department_code: str
    center_code: str
    region_code: str
    schedule: dict[str, Any]  # the window's own, else the centre's


_SCOPE = (
    " and (%(prefix)s::text is null or ce.region_code like %(prefix)s || '%%')"
    " and (%(dep)s::text is null or w.department_code = %(dep)s)"
    " and (%(center)s::text is null or w.center_code = %(center)s)"
)


def _scope(
    region_prefix: str | None, department_code: str | None, center_code: str | None
) -> dict[str, Any]:
    return {"prefix": region_prefix, "dep": department_code, "center": center_code}


def windows(
    conn: Connection[Any],
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
) -> list[WindowPlace]:
    """The windows in scope, each with the schedule its opening minutes come from."""
    with conn.cursor(row_factory=class_row(WindowPlace)) as cur:
        return cur.execute(
            "select w.code, w.department_code, w.center_code, ce.region_code,"
            " coalesce(w.schedule, ce.schedule) as schedule"
            " from windows w join centers ce on ce.code = w.center_code where true"
            + _SCOPE
            + " order by w.code",
            _scope(region_prefix, department_code, center_code),
        ).fetchall()


def days(
    conn: Connection[Any],
    start: date,
    end: date,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
) -> list[WindowDay]:
    """The aggregate's rows for local days [start, end) of the windows in scope."""
    with conn.cursor(row_factory=class_row(WindowDay)) as cur:
        return cur.execute(
            "select d.day, d.window_code, d.observed_min, d.seat_min from presence_daily d"
            " join windows w on w.code = d.window_code join centers ce on ce.code = w.center_code"
            " where d.day >= %(start)s and d.day < %(end)s"
            + _SCOPE
            + " order by d.day, d.window_code",
            {"start": start, "end": end, **_scope(region_prefix, department_code, center_code)},
        ).fetchall()


def sign_ins(
    conn: Connection[Any],
    start: date,
    end: date,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
) -> set[tuple[date, str, str]]:
    """(local day, window, staff) of every attendance.clock_in at a window in [start, end)."""
    lo = datetime.combine(start - timedelta(days=1), time(), tzinfo=UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    rows = conn.execute(
        "select distinct (e.occurred_at at time zone coalesce(ce.schedule ->> 'timezone',"
        " 'Asia/Shanghai'))::date as day, e.window_code, e.staff_id from events e"
        " join windows w on w.code = e.window_code join centers ce on ce.code = w.center_code"
        " where e.kind = 'attendance.clock_in' and e.window_code is not null"
        " and e.staff_id is not null and e.occurred_at >= %(lo)s and e.occurred_at < %(hi)s"
        + _SCOPE,
        {"lo": lo, "hi": hi, **_scope(region_prefix, department_code, center_code)},
    ).fetchall()
    return {(_v(r, 0), _v(r, 1), _v(r, 2)) for r in rows if start <= _v(r, 0) < end}


def _v(row: Any, i: int) -> Any:
    return list(row.values())[i] if isinstance(row, dict) else row[i]
