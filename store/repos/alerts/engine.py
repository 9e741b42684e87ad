"""What the alert engine reads and keeps: the event tail's durable cursor, periodic jobs, the
state folded from events (windows, waiting tickets, feeds), and the inputs of the rules (case
events, matters, policies, settings, silences)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from alerts.state import MatterInfo
from core.enums import CaseType
from store.repos.alerts.records import ACTIVE_SQL
from store.repos.ingest import PROJECTIONS_CURSOR

# ---------------------------------------------------------------- event tail


@dataclass(frozen=True)
class TailRow:
    id: int
    xid: int
    kind: str
    occurred_at: datetime
    received_at: datetime
    source: str
    region_code: str
    center_code: str
    department_code: str | None
    window_code: str | None
    case_no: str | None
    staff_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class CursorRow:
    name: str
    watermark: int
    ahead: list[list[int]]  # [[xid, id], …]


def lock_cursor(conn: Connection[Any], name: str) -> CursorRow | None:
    """Lock the cursor row for this transaction; None when another worker holds it."""
    conn.execute("insert into alert_cursors (name) values (%s) on conflict do nothing", (name,))
    with conn.cursor(row_factory=class_row(CursorRow)) as cur:
        return cur.execute(
            "select name, watermark::text::bigint as watermark, ahead from alert_cursors"
            " where name = %s for update skip locked",
            (name,),
        ).fetchone()


def save_cursor(conn: Connection[Any], name: str, watermark: int, ahead: list[list[int]]) -> None:
    conn.execute(
        "update alert_cursors set watermark = %s::text::xid8, ahead = %s, updated_at = now()"
        " where name = %s",
        (str(watermark), Jsonb(ahead), name),
    )


_TAIL = """
with snap as (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as horizon)
select s.horizon, t.* from snap s left join lateral (
    select e.id, e.xid::text::bigint as xid, e.kind, e.occurred_at, e.received_at, e.source,
           e.region_code, e.center_code, e.department_code, e.window_code, e.case_no,
           e.staff_id, e.payload
    from events e
    where e.xid >= %(watermark)s::text::xid8
      and not (e.id = any(%(ahead)s::bigint[]))
      and (%(parts)s = 1 or abs(hashtext(e.center_code)) %% %(parts)s = %(part)s)
      and (%(eager)s or e.xid < s.horizon::text::xid8)
    order by e.xid, e.id
    limit %(limit)s
) t on true
order by t.xid, t.id
"""


def tail_rows(
    conn: Connection[Any],
    *,
    watermark: int,
    ahead_ids: Sequence[int],
    part: int,
    parts: int,
    limit: int,
    eager: bool = True,
) -> tuple[list[TailRow], int]:
    """Visible events of one partition at or above the watermark, not yet evaluated, in
    (xid, id) order; and the horizon: every transaction with an xid below it has finished.
    Both come from one statement, so one snapshot, also when no row is new: a horizon taken
    later could pass a transaction that committed in between, unread."""
    params = {
        "watermark": str(watermark),
        "ahead": list(ahead_ids),
        "part": part,
        "parts": parts,
        "limit": limit,
        "eager": eager,
    }
    with conn.cursor(row_factory=dict_row) as cur:
        found = cur.execute(_TAIL, params).fetchall()
    horizon = int(found[0]["horizon"])
    rows = []
    for r in found:
        del r["horizon"]
        if r["id"] is not None:
            rows.append(TailRow(**r))
    return rows, horizon


def case_events(conn: Connection[Any], case_nos: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Every event of these cases (the truth a case's state is rebuilt from)."""
    out: dict[str, list[dict[str, Any]]] = {}
    keys = sorted(set(case_nos))
    if not keys:
        return out
    with conn.cursor(row_factory=dict_row) as cur:
        for r in cur.execute(
            "select case_no, kind, occurred_at, region_code, center_code, department_code,"
            " window_code, payload from events where case_no = any(%s) order by occurred_at, id",
            (keys,),
        ):
            out.setdefault(r["case_no"], []).append(r)
    return out


def complaint_events(
    conn: Connection[Any], numbers: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    keys = sorted(set(numbers))
    if not keys:
        return out
    with conn.cursor(row_factory=dict_row) as cur:
        for r in cur.execute(
            "select kind, occurred_at, region_code, center_code, department_code, window_code,"
            " payload, payload->>'complaint_no' as complaint_no from events"
            " where kind like 'complaint.%%' and payload->>'complaint_no' = any(%s)"
            " order by occurred_at, id",
            (keys,),
        ):
            out.setdefault(r["complaint_no"], []).append(r)
    return out


def matters(conn: Connection[Any], codes: Iterable[str] | None = None) -> dict[str, MatterInfo]:
    sql = "select code, case_type, promised_days, legal_days, fee from matters"
    params: tuple[Any, ...] = ()
    if codes is not None:
        sql += " where code = any(%s)"
        params = (sorted(set(codes)),)
    with conn.cursor(row_factory=dict_row) as cur:
        return {
            r["code"]: MatterInfo(
                r["code"],
                CaseType(r["case_type"]),
                int(r["promised_days"]),
                int(r["legal_days"]),
                None if r["fee"] is None else Decimal(r["fee"]),
            )
            for r in cur.execute(sql, params)  # type: ignore[arg-type]
        }


# ---------------------------------------------------------------- periodic jobs


def claim_job(conn: Connection[Any], name: str, every: timedelta, worker: str) -> bool:
    """Take this run of a periodic job if it is due: a conditional update, so one worker wins."""
    conn.execute("insert into alert_jobs (name) values (%s) on conflict do nothing", (name,))
    row = conn.execute(
        "update alert_jobs set next_run_at = clock_timestamp() + %s,"
        " last_run_at = clock_timestamp(), last_worker = %s"
        " where name = %s and next_run_at <= clock_timestamp() returning name",
        (every, worker, name),
    ).fetchone()
    return row is not None


def finish_job(conn: Connection[Any], name: str, seconds: float, error: str | None) -> None:
    conn.execute(
        "update alert_jobs set last_seconds = %s, last_error = %s where name = %s",
        (seconds, error, name),
    )


# ---------------------------------------------------------------- folded state


@dataclass(frozen=True)
class WindowRow:
    window_code: str
    region_code: str
    center_code: str
    department_code: str | None
    occupied: bool | None
    empty_since: datetime | None
    last_sample_at: datetime | None
    camera_status: str
    camera_since: datetime | None
    schedule: dict[str, Any] | None
    center_schedule: dict[str, Any]


def save_windows(conn: Connection[Any], rows: Sequence[WindowRow]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "insert into alert_windows (window_code, region_code, center_code, department_code,"
            " occupied, empty_since, last_sample_at, camera_status, camera_since)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict (window_code) do update set"
            " occupied = excluded.occupied, empty_since = excluded.empty_since,"
            " last_sample_at = excluded.last_sample_at, camera_status = excluded.camera_status,"
            " camera_since = excluded.camera_since, updated_at = now()",
            [
                (
                    w.window_code,
                    w.region_code,
                    w.center_code,
                    w.department_code,
                    w.occupied,
                    w.empty_since,
                    w.last_sample_at,
                    w.camera_status,
                    w.camera_since,
                )
                for w in rows
            ],
        )


_WINDOWS = """
select coalesce(a.window_code, w.code) as window_code, coalesce(a.region_code, c.region_code)
       as region_code, w.center_code, w.department_code, a.occupied, a.empty_since,
       a.last_sample_at, coalesce(a.camera_status, 'ok') as camera_status, a.camera_since,
       w.schedule, c.schedule as center_schedule
from windows w join centers c on c.code = w.center_code
left join alert_windows a on a.window_code = w.code
"""


def windows(
    conn: Connection[Any], codes: Iterable[str] | None = None, *, attention: bool = False
) -> list[WindowRow]:
    """Window states; `attention`: only windows empty or with a camera fault."""
    sql, params = _WINDOWS, []
    if codes is not None:
        sql += " where w.code = any(%s)"
        params.append(sorted(set(codes)))
    elif attention:
        sql += " where a.occupied = false or a.camera_status <> 'ok'"
    with conn.cursor(row_factory=class_row(WindowRow)) as cur:
        return cur.execute(sql, params).fetchall()  # type: ignore[arg-type]


def save_tickets(conn: Connection[Any], rows: Sequence[tuple[Any, ...]]) -> None:
    """(key, ticket_no, region, centre, department, window, issued_at, called_at) upserts."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into alert_tickets (key, ticket_no, region_code, center_code,"
            " department_code, window_code, issued_at, called_at)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s) on conflict (key) do update set"
            " called_at = coalesce(alert_tickets.called_at, excluded.called_at),"
            " window_code = coalesce(alert_tickets.window_code, excluded.window_code),"
            " issued_at = least(alert_tickets.issued_at, excluded.issued_at)",
            rows,
        )


@dataclass(frozen=True)
class TicketRow:
    key: str
    ticket_no: str
    region_code: str
    center_code: str
    department_code: str | None
    window_code: str | None
    issued_at: datetime
    called_at: datetime | None


def waiting_tickets(
    conn: Connection[Any],
    since: datetime,
    centers: Iterable[str] | None = None,
    alerted: str | None = None,
) -> list[TicketRow]:
    """Tickets issued since `since` and not called; with `alerted` (a dedup-key prefix such as
    "queue.long_wait:"), also the called ones whose alert of that rule is still active, so the
    rule can clear it."""
    sql = (
        "select key, ticket_no, region_code, center_code, department_code, window_code,"
        " issued_at, called_at from alert_tickets t where issued_at >= %s"
        " and (called_at is null"
        f"      or exists (select from alerts a where a.status in {ACTIVE_SQL}"
        "                  and a.dedup_key = %s || t.key))"
    )
    params: list[Any] = [since, alerted]
    if centers is not None:
        sql += " and center_code = any(%s)"
        params.append(sorted(set(centers)))
    with conn.cursor(row_factory=class_row(TicketRow)) as cur:
        return cur.execute(sql, params).fetchall()  # type: ignore[arg-type]


def waiting_count(
    conn: Connection[Any], window_code: str, department_code: str | None, since: datetime
) -> int:
    """People waiting for a window: tickets for it, or for its department's queue."""
    row = conn.execute(
        "select count(*) from alert_tickets where called_at is null and issued_at >= %s"
        " and (window_code = %s or (window_code is null and department_code = %s))",
        (since, window_code, department_code),
    ).fetchone()
    return int(_first(row)) if row else 0


def waiting_counts(conn: Connection[Any], since: datetime) -> dict[str, int]:
    """People waiting per window (tickets issued to it) and per department queue."""
    rows = conn.execute(
        "select coalesce(window_code, department_code, center_code), count(*) from alert_tickets"
        " where called_at is null and issued_at >= %s group by 1",
        (since,),
    ).fetchall()
    return {_v(r, 0): int(_v(r, 1)) for r in rows}


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def forget_tickets(conn: Connection[Any], before: datetime) -> int:
    return conn.execute("delete from alert_tickets where issued_at < %s", (before,)).rowcount


def save_feeds(conn: Connection[Any], rows: Sequence[tuple[str, str, str, datetime]]) -> None:
    """(centre, source, region, last event) upserts keeping the latest instant."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into alert_feeds (center_code, source, region_code, last_event_at)"
            " values (%s, %s, %s, %s) on conflict (center_code, source) do update set"
            " last_event_at = greatest(alert_feeds.last_event_at, excluded.last_event_at)",
            rows,
        )


def feeds(conn: Connection[Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select f.center_code, f.source, f.region_code, f.last_event_at, c.schedule"
            " from alert_feeds f join centers c on c.code = f.center_code"
        ).fetchall()


# ---------------------------------------------------------------- settings


def center_settings(conn: Connection[Any]) -> dict[str, dict[str, int]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return {
            r.pop("center_code"): r
            for r in cur.execute(
                "select center_code, empty_minutes, escalate_minutes, stale_minutes"
                " from alert_center_settings"
            )
        }


def policies(conn: Connection[Any]) -> dict[tuple[str, str, str], str]:
    """(scope, code, rule) -> preset name."""
    return {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute("select scope, code, rule, preset from alert_policies").fetchall()
    }


def set_policy(conn: Connection[Any], scope: str, code: str, rule: str, preset: str) -> None:
    conn.execute(
        "insert into alert_policies (scope, code, rule, preset) values (%s, %s, %s, %s)"
        " on conflict (scope, code, rule) do update set preset = excluded.preset",
        (scope, code, rule, preset),
    )


# ---------------------------------------------------------------- clock timers (table `clocks`)


@dataclass(frozen=True)
class ClockClaim:
    id: int
    subject_kind: str
    subject_id: str
    clock_kind: str
    region_code: str
    center_code: str
    department_code: str | None
    start_at: datetime
    budget: int
    unit: str
    pauses: list[dict[str, Any]]
    extensions: list[dict[str, Any]]
    policy: str
    state: str
    stopped_at: datetime | None
    level: str | None
    next_fire_at: datetime


_CLOCK_COLUMNS = (
    "id, subject_kind, subject_id, clock_kind, region_code, center_code, department_code,"
    " start_at, budget, unit, pauses, extensions, policy, state, stopped_at, level, next_fire_at"
)


_SIBLING_COLUMNS = _CLOCK_COLUMNS.replace(
    "next_fire_at", "coalesce(next_fire_at, start_at) as next_fire_at"
)


PENDING_MAX = timedelta(minutes=10)  # longest a clock waits for its case's unfolded events

_CLAIM = f"""
select {_CLOCK_COLUMNS} from clocks c
where next_fire_at <= %(now)s
  and not (subject_kind = 'case' and exists (
      select 1 from events e
      where e.case_no = c.subject_id
        and e.id > (select position from projector_cursors where name = %(cursor)s)
        and e.received_at > %(now)s - %(pending_max)s))
order by next_fire_at limit %(limit)s for update skip locked
"""


def claim_clocks(conn: Connection[Any], now: datetime, limit: int = 500) -> list[ClockClaim]:
    """Due clocks (next_fire_at <= now), locked for this transaction; other workers skip them.
    A case clock waits while the projector has not folded every event of its case (up to
    PENDING_MAX): a completion on its way would stop it, and firing first would raise a red that
    resolves itself a moment later (thousands when a backlog is loaded). `now` is a parameter,
    not clock_timestamp(): a volatile bound cannot limit the index scan, which then reads every
    open clock whenever none is due."""
    params = {
        "now": now,
        "limit": limit,
        "cursor": PROJECTIONS_CURSOR,
        "pending_max": PENDING_MAX,
    }
    with conn.cursor(row_factory=class_row(ClockClaim)) as cur:
        return cur.execute(_CLAIM, params).fetchall()  # type: ignore[arg-type]


def sibling_clocks(
    conn: Connection[Any], subject_kind: str, clock_kind: str, subject_ids: Sequence[str]
) -> dict[str, ClockClaim]:
    """The `clock_kind` clock of each subject (e.g. a case's legal clock beside its promised)."""
    if not subject_ids:
        return {}
    with conn.cursor(row_factory=class_row(ClockClaim)) as cur:
        rows = cur.execute(
            f"select {_SIBLING_COLUMNS} from clocks"
            " where subject_kind = %s and clock_kind = %s and subject_id = any(%s)",
            (subject_kind, clock_kind, list(subject_ids)),
        ).fetchall()
    return {r.subject_id: r for r in rows}


def fired(
    conn: Connection[Any], updates: Sequence[tuple[int, str | None, datetime | None]]
) -> None:
    """(clock id, level raised, next_fire_at) after firing, in one statement."""
    if not updates:
        return
    ids, levels, nexts = zip(*updates, strict=True)
    conn.execute(
        "update clocks c set level = coalesce(u.level, c.level), fired_at = clock_timestamp(),"
        " next_fire_at = u.next_fire_at"
        " from unnest(%b::bigint[], %b::text[], %b::timestamptz[]) as u(id, level, next_fire_at)"
        " where c.id = u.id",
        (list(ids), list(levels), list(nexts)),
    )


# ---------------------------------------------------------------- spikes and escalation


def spike_events(conn: Connection[Any], since: datetime) -> list[dict[str, Any]]:
    """Complaints and 差评 (score 4–5) since `since`: what the spike test counts."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select kind, occurred_at, region_code, center_code, department_code from events"
            " where occurred_at >= %s and (kind = 'complaint.filed'"
            " or (kind = 'rating.submitted' and (payload->>'score')::int >= 4))",
            (since,),
        ).fetchall()


def unacknowledged_red(conn: Connection[Any]) -> list[dict[str, Any]]:
    """Open red alerts not silenced: the candidates for escalation."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select id, center_code, escalation_role, created_at, escalated_at, level, status"
            " from alerts where status = 'open' and level = 'red' and silence_id is null"
        ).fetchall()


def schedules(conn: Connection[Any]) -> dict[str, dict[str, Any]]:
    """Opening hours of every centre and of windows with their own."""
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute("select code, schedule from centers").fetchall():
        out[_v(r, 0)] = _v(r, 1)
    for r in conn.execute(
        "select code, schedule from windows where schedule is not null"
    ).fetchall():
        out[_v(r, 0)] = _v(r, 1)
    return out


def _v(row: Any, i: int) -> Any:
    return list(row.values())[i] if isinstance(row, dict) else row[i]
