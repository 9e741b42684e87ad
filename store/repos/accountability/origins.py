"""Where accountability cases come from, as the store sees it: the live case of an origin (the
link from an alert, a patrol finding or a complaint to its case, found by `origin_ref`), a lock
that lets one opener at a time check and open it, who was clocked in at a window at a moment
(attendance events), and complaints with the window and staff member their filing named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row, scalar_row

# How far back an attendance clock-in counts for "on duty now" (a long working day).
DUTY_LOOKBACK = timedelta(hours=14)


def origin_ref(origin: str, key: object) -> str:
    """How a case names what it was opened from: alert:12, finding:7, complaint:TS001."""
    return f"{origin}:{key}"


def lock_origin(conn: Connection[Any], origin_ref: str) -> None:
    """Serialise openers of one origin until the end of the transaction (two supervisors
    clicking 立案追责 on the same finding at once get one case)."""
    conn.execute(
        "select pg_advisory_xact_lock(hashtextextended('accountability:' || %s, 0))",
        (origin_ref,),
    )


def live_case_of(conn: Connection[Any], origin: str, origin_ref: str) -> int | None:
    """The id of the case (not deleted) opened from this origin, whatever its subject."""
    with conn.cursor(row_factory=scalar_row) as cur:
        found: int | None = cur.execute(
            "select id from accountability_cases where origin = %s and origin_ref = %s"
            " and state <> 'deleted' order by id limit 1",
            (origin, origin_ref),
        ).fetchone()
    return found


def live_cases_of(conn: Connection[Any], origin: str, refs: Sequence[str]) -> dict[str, int]:
    """origin_ref -> case id for those of `refs` that have a live case."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "select distinct on (origin_ref) origin_ref, id from accountability_cases"
            " where origin = %s and origin_ref = any(%s) and state <> 'deleted'"
            " order by origin_ref, id",
            (origin, list(refs)),
        ).fetchall()
    return {r["origin_ref"]: int(r["id"]) for r in rows}


def staff_on_duty(
    conn: Connection[Any], window_code: str, at: datetime, lookback: timedelta = DUTY_LOOKBACK
) -> list[str]:
    """Staff (known to the reference data) whose latest attendance event in the `lookback`
    before `at` is a clock-in at `window_code`."""
    with conn.cursor(row_factory=scalar_row) as cur:
        return cur.execute(
            "select s.staff_id from (select distinct staff_id from events"
            " where window_code = %(w)s and kind = 'attendance.clock_in' and staff_id is not null"
            " and occurred_at > %(since)s and occurred_at <= %(at)s) s"
            " join staff on staff.staff_id = s.staff_id"
            " cross join lateral (select e.kind, e.window_code from events e"
            " where e.staff_id = s.staff_id"
            " and e.kind in ('attendance.clock_in', 'attendance.clock_out')"
            " and e.occurred_at > %(since)s and e.occurred_at <= %(at)s"
            " order by e.occurred_at desc, e.id desc limit 1) last"
            " where last.kind = 'attendance.clock_in' and last.window_code = %(w)s order by 1",
            {"w": window_code, "since": at - lookback, "at": at},
        ).fetchall()


@dataclass(frozen=True)
class ComplaintFacts:
    """A complaint (ingest's `complaints` projection) with the window and staff member named
    when it was filed (the complaint.filed event's envelope), if any."""

    complaint_no: str
    region_code: str
    center_code: str
    department_code: str | None
    department_name: str | None
    window_code: str | None
    staff_id: str | None
    channel: str | None
    category: str | None
    summary: str | None
    status: str
    filed_at: datetime | None
    accepted_at: datetime | None
    resolved_at: datetime | None
    substantiated: bool | None
    satisfied: bool | None


_COMPLAINT = (
    "select c.complaint_no, c.region_code, c.center_code, c.department_code,"
    " d.name as department_name, f.window_code, f.staff_id, c.channel, c.category, c.summary,"
    " c.status, c.filed_at, c.accepted_at, c.resolved_at, c.substantiated, c.satisfied"
    " from complaints c left join departments d on d.code = c.department_code"
    " left join lateral (select e.window_code, e.staff_id from events e"
    " where e.kind = 'complaint.filed' and e.payload ->> 'complaint_no' = c.complaint_no"
    " order by e.occurred_at, e.id limit 1) f on true"
)


def complaint_facts(conn: Connection[Any], complaint_no: str) -> ComplaintFacts | None:
    with conn.cursor(row_factory=class_row(ComplaintFacts)) as cur:
        return cur.execute(_COMPLAINT + " where c.complaint_no = %s", (complaint_no,)).fetchone()


def open_complaints(
    conn: Connection[Any],
    *,
    region_prefix: str | None,
    department_code: str | None = None,
    limit: int = 200,
) -> list[ComplaintFacts]:
    """Complaints that may still call for accountability — not yet resolved, or resolved as
    substantiated (查实) — and have no live case yet (refs as origin_ref makes them), newest
    first."""
    with conn.cursor(row_factory=class_row(ComplaintFacts)) as cur:
        return cur.execute(
            _COMPLAINT + " where (%(p)s::text is null or c.region_code like %(p)s || '%%')"
            " and (%(d)s::text is null or c.department_code = %(d)s)"
            " and (c.status <> 'resolved' or c.substantiated)"
            " and not exists (select 1 from accountability_cases a where a.origin = 'complaint'"
            " and a.origin_ref = 'complaint:' || c.complaint_no and a.state <> 'deleted')"
            " order by c.filed_at desc nulls last, c.complaint_no limit %(n)s",
            {"p": region_prefix, "d": department_code, "n": limit},
        ).fetchall()
