"""Video patrols (migration 0040): rounds, visits, today's coverage, and findings with their
clocks and history. The decisions (checklist, clocks, transitions) live in video/patrol.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, scalar_row


def _id(row: Any) -> int:
    return int(row["id"] if isinstance(row, dict) else row[0])


def start_patrol(
    conn: Connection[Any],
    inspector: str,
    center_code: str,
    department_code: str | None,
    seconds_per_window: int,
) -> int:
    row = conn.execute(
        "insert into patrols (inspector, center_code, department_code, seconds_per_window)"
        " values (%s, %s, %s, %s) returning id",
        (inspector, center_code, department_code, seconds_per_window),
    ).fetchone()
    return _id(row)


def end_patrol(conn: Connection[Any], patrol_id: int) -> None:
    conn.execute(
        "update patrols set ended_at = now() where id = %s and ended_at is null", (patrol_id,)
    )


def visit(
    conn: Connection[Any],
    patrol_id: int | None,
    window_code: str,
    inspector: str,
    at: datetime | None = None,
) -> None:
    """Mark a window patrolled (shown live or in a patrol round)."""
    conn.execute(
        "insert into patrol_visits (patrol_id, window_code, center_code, inspector, visited_at)"
        " select %s, code, center_code, %s, coalesce(%s, now()) from windows where code = %s",
        (patrol_id, inspector, at, window_code),
    )


def visited_windows(
    conn: Connection[Any], center_code: str, since: datetime, department_code: str | None = None
) -> list[str]:
    with conn.cursor(row_factory=scalar_row) as cur:
        return cur.execute(
            "select distinct v.window_code from patrol_visits v join windows w"
            " on w.code = v.window_code where v.center_code = %s and v.visited_at >= %s"
            " and (%s::text is null or w.department_code = %s) order by 1",
            (center_code, since, department_code, department_code),
        ).fetchall()


@dataclass(frozen=True, slots=True)
class FindingRow:
    id: int
    patrol_id: int | None
    window_code: str
    center_code: str
    department_code: str
    region_code: str
    inspector: str
    items: list[str]
    severity: str
    note: str
    evidence_id: int | None
    found_at: datetime
    respond_due_at: datetime
    fix_due_at: datetime
    status: str
    responded_at: datetime | None
    fixed_at: datetime | None


_FINDINGS = (
    "select id, patrol_id, window_code, center_code, department_code, region_code, inspector,"
    " items, severity, note, evidence_id, found_at, respond_due_at, fix_due_at, status,"
    " responded_at, fixed_at from findings"
)


def add_finding(
    conn: Connection[Any],
    *,
    window_code: str,
    inspector: str,
    items: Sequence[str],
    severity: str,
    note: str,
    found_at: datetime,
    respond_due_at: datetime,
    fix_due_at: datetime,
    evidence_id: int | None = None,
    patrol_id: int | None = None,
) -> int:
    """A finding at a window (department, centre and region taken from the window) and its
    first history row."""
    with conn.transaction():
        row = conn.execute(
            "insert into findings (patrol_id, window_code, center_code, department_code,"
            " region_code, inspector, items, severity, note, evidence_id, found_at,"
            " respond_due_at, fix_due_at)"
            " select %s, w.code, w.center_code, w.department_code, c.region_code, %s, %s, %s,"
            " %s, %s, %s, %s, %s from windows w join centers c on c.code = w.center_code"
            " where w.code = %s returning id",
            (
                patrol_id,
                inspector,
                list(items),
                severity,
                note,
                evidence_id,
                found_at,
                respond_due_at,
                fix_due_at,
                window_code,
            ),
        ).fetchone()
        if row is None:
            raise LookupError(f"no window {window_code}")
        finding_id = _id(row)
        conn.execute(
            "insert into finding_history (finding_id, at, actor, action, note)"
            " values (%s, %s, %s, 'opened', %s)",
            (finding_id, found_at, inspector, note),
        )
        _start_clock(conn, finding_id, RESPOND_CLOCK, found_at, respond_due_at)
        _start_clock(conn, finding_id, FIX_CLOCK, found_at, fix_due_at)
    return finding_id


# A finding's two deadlines (respond in 1 hour, fix in 24 hours) are rows of the shared `clocks`
# table (ingest's migration 0021), so the alert engine fires them like any other clock: one
# 巡查问题整改时限 alert per finding, red when either is missed.
CLOCK_SUBJECT, FIX_CLOCK, RESPOND_CLOCK = "finding", "patrol_finding", "patrol_response"


def _start_clock(
    conn: Connection[Any], finding_id: int, kind: str, found_at: datetime, due: datetime
) -> None:
    minutes = round((due - found_at).total_seconds() / 60)
    conn.execute(
        "insert into clocks (subject_kind, subject_id, clock_kind, region_code, center_code,"
        " department_code, start_at, budget, unit, policy, due_at, level_due, provisional,"
        " calendar_version, state, next_fire_at)"
        " select %(sk)s, %(id)s, %(ck)s, f.region_code, f.center_code, f.department_code,"
        " f.found_at, %(minutes)s, 'minutes', 'deadline', %(due)s,"
        " jsonb_build_object('red', %(due)s::timestamptz), false, '', 'running', %(due)s"
        " from findings f where f.id = %(fid)s",
        {
            "sk": CLOCK_SUBJECT,
            "id": str(finding_id),
            "ck": kind,
            "minutes": minutes,
            "due": due,
            "fid": finding_id,
        },
    )


def _stop_clocks(conn: Connection[Any], finding_id: int, kinds: list[str], at: datetime) -> None:
    conn.execute(
        "update clocks set state = 'stopped', stopped_at = %s, next_fire_at = null,"
        " updated_at = now() where subject_kind = %s and subject_id = %s"
        " and clock_kind = any(%s) and state <> 'stopped'",
        (at, CLOCK_SUBJECT, str(finding_id), kinds),
    )


def finding(conn: Connection[Any], finding_id: int) -> FindingRow | None:
    with conn.cursor(row_factory=class_row(FindingRow)) as cur:
        return cur.execute(_FINDINGS + " where id = %s", (finding_id,)).fetchone()


def findings(
    conn: Connection[Any],
    *,
    region_prefix: str = "",
    center_code: str | None = None,
    department_code: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[FindingRow]:
    with conn.cursor(row_factory=class_row(FindingRow)) as cur:
        return cur.execute(
            _FINDINGS + " where region_code like %(p)s"
            " and (%(c)s::text is null or center_code = %(c)s)"
            " and (%(d)s::text is null or department_code = %(d)s)"
            " and (%(s)s::timestamptz is null or found_at >= %(s)s)"
            " order by found_at desc limit %(n)s",
            {
                "p": region_prefix + "%",
                "c": center_code,
                "d": department_code,
                "s": since,
                "n": limit,
            },
        ).fetchall()


def record_transition(
    conn: Connection[Any],
    finding_id: int,
    from_status: str,
    to_status: str,
    action: str,
    actor: str,
    at: datetime,
    note: str = "",
) -> bool:
    """Move a finding from `from_status` to `to_status` (conditional update: False when someone
    else changed it first) and write the history row."""
    column = "responded_at" if action == "responded" else "fixed_at"
    with conn.transaction():
        cur = conn.execute(
            f"update findings set status = %s, {column} = %s"  # type: ignore[arg-type]
            " where id = %s and status = %s",
            (to_status, at, finding_id, from_status),
        )
        if cur.rowcount != 1:
            return False
        conn.execute(
            "insert into finding_history (finding_id, at, actor, action, note)"
            " values (%s, %s, %s, %s, %s)",
            (finding_id, at, actor, action, note),
        )
        done = [RESPOND_CLOCK] if to_status == "responded" else [RESPOND_CLOCK, FIX_CLOCK]
        if to_status in ("responded", "fixed"):
            _stop_clocks(conn, finding_id, done, at)
    return True


def overdue_findings(conn: Connection[Any], now: datetime) -> list[FindingRow]:
    """Findings past a clock: not responded after 1 hour, or not fixed after 24 hours."""
    with conn.cursor(row_factory=class_row(FindingRow)) as cur:
        return cur.execute(
            _FINDINGS + " where (status = 'open' and respond_due_at <= %(n)s)"
            " or (status <> 'fixed' and fix_due_at <= %(n)s) order by found_at",
            {"n": now},
        ).fetchall()


@dataclass(frozen=True, slots=True)
class FindingHistoryRow:
    at: datetime
    actor: str
    action: str  # opened | responded | fixed
    note: str


def finding_history(conn: Connection[Any], finding_id: int) -> list[FindingHistoryRow]:
    """A finding's changes of status, oldest first."""
    with conn.cursor(row_factory=class_row(FindingHistoryRow)) as cur:
        return cur.execute(
            "select at, actor, action, note from finding_history where finding_id = %s"
            " order by at, id",
            (finding_id,),
        ).fetchall()
