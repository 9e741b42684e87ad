"""Accountability cases: the case rows and their history, evidence and measures."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb


class StaleState(RuntimeError):
    """The case moved on since it was read (another user acted first): reload and retry."""


@dataclass(frozen=True)
class NewCase:
    center_code: str
    region_code: str
    department_code: str
    subject_kind: str  # staff | window | department
    subject_code: str
    subject_name: str
    origin: str  # alert | finding | complaint | manual
    origin_ref: str | None
    alert_level: str | None
    title: str
    facts: str
    measure: str
    notice_type: str
    points: Decimal | None = None
    reply_days: int = 5


@dataclass(frozen=True)
class AccCase:
    id: int
    center_code: str
    region_code: str
    department_code: str
    department_name: str
    subject_kind: str
    subject_code: str
    subject_name: str
    origin: str
    origin_ref: str | None
    alert_level: str | None
    title: str
    facts: str
    measure: str
    notice_type: str
    points: Decimal | None
    reply_days: int
    state: str
    reply_due_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    deleted_reason: str | None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    case_id: int
    at: datetime
    actor: str
    role: str | None
    action: str
    rule: str
    from_state: str | None
    to_state: str
    reason: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Evidence:
    id: int
    case_id: int
    kind: str
    ref: str | None
    caption: str
    occurred_at: datetime | None
    path: str | None
    sha256: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class MeasureRow:
    id: int
    case_id: int
    measure: str
    subject_kind: str
    subject_code: str
    department_code: str
    year: int
    decided_at: datetime
    decided_by: str
    points: Decimal | None
    consequences: list[str]
    revoked_at: datetime | None


_CASE = (
    "select c.id, c.center_code, c.region_code, c.department_code, d.name as department_name,"
    " c.subject_kind, c.subject_code, c.subject_name, c.origin, c.origin_ref, c.alert_level,"
    " c.title, c.facts, c.measure, c.notice_type, c.points, c.reply_days, c.state,"
    " c.reply_due_at, c.created_by, c.created_at, c.updated_at, c.deleted_reason"
    " from accountability_cases c join departments d on d.code = c.department_code"
)
_SCOPE = (
    " (%(region_prefix)s::text is null or c.region_code like %(region_prefix)s || '%%')"
    " and (%(department_code)s::text is null or c.department_code = %(department_code)s)"
)
# Columns `move` may set besides the state (never user-chosen names in SQL).
_MOVABLE = frozenset({"reply_due_at", "deleted_reason", "measure", "notice_type"})


def insert_case(
    conn: Connection[Any], new: NewCase, actor: str, role: str, at: datetime
) -> AccCase:
    row = conn.execute(
        "insert into accountability_cases (center_code, region_code, department_code,"
        " subject_kind, subject_code, subject_name, origin, origin_ref, alert_level, title, facts,"
        " measure, notice_type, points, reply_days, created_by, created_at, updated_at)"
        " values (%(center_code)s, %(region_code)s, %(department_code)s, %(subject_kind)s,"
        " %(subject_code)s, %(subject_name)s, %(origin)s, %(origin_ref)s, %(alert_level)s,"
        " %(title)s, %(facts)s, %(measure)s, %(notice_type)s, %(points)s, %(reply_days)s,"
        " %(actor)s, %(at)s, %(at)s) returning id",
        asdict(new) | {"actor": actor, "at": at},
    ).fetchone()
    assert row is not None
    case_id = int(_first(row))
    _history(conn, case_id, at, actor, role, "open", "open a case", None, "draft", None, {})
    case = get_case(conn, case_id)
    assert case is not None
    return case


def find_by_origin(
    conn: Connection[Any], origin: str, origin_ref: str, subject_kind: str, subject_code: str
) -> AccCase | None:
    with conn.cursor(row_factory=class_row(AccCase)) as cur:
        return cur.execute(
            _CASE + " where c.origin = %s and c.origin_ref = %s and c.subject_kind = %s"
            " and c.subject_code = %s and c.state <> 'deleted'",
            (origin, origin_ref, subject_kind, subject_code),
        ).fetchone()


def get_case(
    conn: Connection[Any],
    case_id: int,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
) -> AccCase | None:
    """The case, or None when it does not exist or lies outside the given scope."""
    with conn.cursor(row_factory=class_row(AccCase)) as cur:
        return cur.execute(
            _CASE + " where c.id = %(id)s and" + _SCOPE,
            {"id": case_id, "region_prefix": region_prefix, "department_code": department_code},
        ).fetchone()


def list_cases(
    conn: Connection[Any],
    *,
    region_prefix: str | None,
    department_code: str | None = None,
    states: list[str] | None = None,
    include_deleted: bool = False,
    limit: int = 500,
) -> list[AccCase]:
    with conn.cursor(row_factory=class_row(AccCase)) as cur:
        return cur.execute(
            _CASE
            + " where"
            + _SCOPE
            + " and (%(states)s::text[] is null or c.state = any(%(states)s))"
            " and (%(deleted)s or c.state <> 'deleted') order by c.id desc limit %(limit)s",
            {
                "region_prefix": region_prefix,
                "department_code": department_code,
                "states": states,
                "deleted": include_deleted,
                "limit": limit,
            },
        ).fetchall()


def move(
    conn: Connection[Any],
    case_id: int,
    *,
    expected: str,
    target: str,
    action: str,
    rule: str,
    actor: str,
    role: str | None,
    at: datetime,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    **columns: Any,
) -> AccCase:
    """Change the state from `expected` to `target` (a conditional update, so two users acting
    at once cannot both succeed) and record the history row. Raises StaleState."""
    unknown = set(columns) - _MOVABLE
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)} through move()")
    sets = "".join(f", {name} = %({name})s" for name in sorted(columns))
    row = conn.execute(
        f"update accountability_cases set state = %(target)s, updated_at = %(at)s{sets}"
        " where id = %(id)s and state = %(expected)s returning id",
        {"target": target, "at": at, "id": case_id, "expected": expected} | columns,
    ).fetchone()
    if row is None:
        raise StaleState(f"case {case_id} is no longer {expected}")
    _history(conn, case_id, at, actor, role, action, rule, expected, target, reason, detail or {})
    case = get_case(conn, case_id)
    assert case is not None
    return case


def _history(
    conn: Connection[Any],
    case_id: int,
    at: datetime,
    actor: str,
    role: str | None,
    action: str,
    rule: str,
    from_state: str | None,
    to_state: str,
    reason: str | None,
    detail: dict[str, Any],
) -> None:
    conn.execute(
        "insert into accountability_history (case_id, at, actor, role, action, rule,"
        " from_state, to_state, reason, detail) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (case_id, at, actor, role, action, rule, from_state, to_state, reason, Jsonb(detail)),
    )


def history(conn: Connection[Any], case_id: int) -> list[HistoryEntry]:
    with conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
        return cur.execute(
            "select id, case_id, at, actor, role, action, rule, from_state, to_state, reason,"
            " detail from accountability_history where case_id = %s order by id",
            (case_id,),
        ).fetchall()


def add_evidence(
    conn: Connection[Any],
    case_id: int,
    kind: str,
    caption: str,
    *,
    actor: str,
    at: datetime,
    ref: str | None = None,
    occurred_at: datetime | None = None,
    path: str | None = None,
    sha256: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Evidence:
    with conn.cursor(row_factory=class_row(Evidence)) as cur:
        row = cur.execute(
            "insert into accountability_evidence (case_id, kind, ref, caption, occurred_at, path,"
            " sha256, detail, added_by, added_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id, case_id, kind, ref, caption, occurred_at, path, sha256, detail",
            (
                case_id,
                kind,
                ref,
                caption,
                occurred_at,
                path,
                sha256,
                Jsonb(detail or {}),
                actor,
                at,
            ),
        ).fetchone()
    assert row is not None
    return row


def evidence(conn: Connection[Any], case_id: int) -> list[Evidence]:
    with conn.cursor(row_factory=class_row(Evidence)) as cur:
        return cur.execute(
            "select id, case_id, kind, ref, caption, occurred_at, path, sha256, detail"
            " from accountability_evidence where case_id = %s order by occurred_at nulls last, id",
            (case_id,),
        ).fetchall()


def add_measure(
    conn: Connection[Any],
    case: AccCase,
    *,
    at: datetime,
    year: int,
    actor: str,
    consequences: list[str],
) -> MeasureRow:
    with conn.cursor(row_factory=class_row(MeasureRow)) as cur:
        row = cur.execute(
            "insert into accountability_measures (case_id, measure, subject_kind, subject_code,"
            " department_code, year, decided_at, decided_by, points, consequences)"
            " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id, case_id, measure,"
            " subject_kind, subject_code, department_code, year, decided_at, decided_by, points,"
            " consequences, revoked_at",
            (
                case.id,
                case.measure,
                case.subject_kind,
                case.subject_code,
                case.department_code,
                year,
                at,
                actor,
                case.points,
                consequences,
            ),
        ).fetchone()
    assert row is not None
    return row


def measures_of(
    conn: Connection[Any], subject_kind: str, subject_code: str, *, year: int | None = None
) -> list[MeasureRow]:
    """Measures taken against one subject (revoked ones included, flagged), oldest first."""
    with conn.cursor(row_factory=class_row(MeasureRow)) as cur:
        return cur.execute(
            "select id, case_id, measure, subject_kind, subject_code, department_code, year,"
            " decided_at, decided_by, points, consequences, revoked_at"
            " from accountability_measures where subject_kind = %s and subject_code = %s"
            " and (%s::int is null or year = %s) order by decided_at, id",
            (subject_kind, subject_code, year, year),
        ).fetchall()


def revoke_measures(conn: Connection[Any], case_id: int, at: datetime, reason: str) -> int:
    cur = conn.execute(
        "update accountability_measures set revoked_at = %s, revoked_reason = %s"
        " where case_id = %s and revoked_at is null",
        (at, reason, case_id),
    )
    return cur.rowcount


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


@dataclass(frozen=True)
class SubjectInfo:
    kind: str
    code: str
    name: str
    center_code: str
    region_code: str
    department_code: str
    department_name: str
    window_name: str | None


_SUBJECTS = {
    "staff": (
        "select 'staff' as kind, s.staff_id as code, s.name, d.center_code, c.region_code,"
        " d.code as department_code, d.name as department_name, w.name as window_name"
        " from staff s join departments d on d.code = s.department_code"
        " join centers c on c.code = d.center_code left join windows w on w.code = s.window_code"
        " where s.staff_id = %s"
    ),
    "window": (
        "select 'window' as kind, w.code, w.name, w.center_code, c.region_code,"
        " d.code as department_code, d.name as department_name, w.name as window_name"
        " from windows w join departments d on d.code = w.department_code"
        " join centers c on c.code = w.center_code where w.code = %s"
    ),
    "department": (
        "select 'department' as kind, d.code, d.name, d.center_code, c.region_code,"
        " d.code as department_code, d.name as department_name, null::text as window_name"
        " from departments d join centers c on c.code = d.center_code where d.code = %s"
    ),
}


def describe_subject(conn: Connection[Any], kind: str, code: str) -> SubjectInfo | None:
    """Name, department, centre and region of a staff member, window or department."""
    query = _SUBJECTS.get(kind)
    if query is None:
        raise ValueError(f"subject kind must be staff, window or department, got {kind!r}")
    with conn.cursor(row_factory=class_row(SubjectInfo)) as cur:
        return cur.execute(query, (code,)).fetchone()  # type: ignore[arg-type]


# The reply clock of a 督办 is a row of the shared `clocks` table (ingest's migration 0021), so
# the alert engine fires it like any other clock: red when the reply is overdue.
CLOCK_SUBJECT, CLOCK_KIND = "accountability_case", "supervision_reply"


def start_reply_clock(
    conn: Connection[Any],
    case: AccCase,
    *,
    start_at: datetime,
    due_at: datetime,
    provisional: bool,
    calendar_version: str,
) -> None:
    """Create or restart the case's reply clock: `reply_days` working days, red at `due_at`."""
    conn.execute(
        "insert into clocks (subject_kind, subject_id, clock_kind, region_code, center_code,"
        " department_code, start_at, budget, unit, policy, due_at, level_due, provisional,"
        " calendar_version, state, next_fire_at) values (%(sk)s, %(id)s, %(ck)s, %(region)s,"
        " %(center)s, %(dep)s, %(start)s, %(days)s, 'working_days', 'deadline', %(due)s,"
        " %(level_due)s, %(prov)s, %(ver)s, 'running', %(due)s)"
        " on conflict (subject_kind, subject_id, clock_kind) do update set"
        " start_at = excluded.start_at, budget = excluded.budget, pauses = '[]',"
        " due_at = excluded.due_at, level_due = excluded.level_due,"
        " provisional = excluded.provisional, calendar_version = excluded.calendar_version,"
        " state = 'running', stopped_at = null, level = null, fired_at = null,"
        " next_fire_at = excluded.next_fire_at, updated_at = now()",
        {
            "sk": CLOCK_SUBJECT,
            "id": str(case.id),
            "ck": CLOCK_KIND,
            "region": case.region_code,
            "center": case.center_code,
            "dep": case.department_code,
            "start": start_at,
            "days": case.reply_days,
            "due": due_at,
            "level_due": Jsonb({"red": due_at.isoformat()}),
            "prov": provisional,
            "ver": calendar_version,
        },
    )


def stop_reply_clock(conn: Connection[Any], case_id: int, at: datetime) -> None:
    """The reply arrived (or the case ended): the clock stops and fires no more."""
    conn.execute(
        "update clocks set state = 'stopped', stopped_at = %s, next_fire_at = null,"
        " updated_at = now() where subject_kind = %s and subject_id = %s and clock_kind = %s"
        " and state <> 'stopped'",
        (at, CLOCK_SUBJECT, str(case_id), CLOCK_KIND),
    )


def reply_clock(conn: Connection[Any], case_id: int) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select * from clocks where subject_kind = %s and subject_id = %s and clock_kind = %s",
            (CLOCK_SUBJECT, str(case_id), CLOCK_KIND),
        ).fetchone()


@dataclass(frozen=True)
class CaseFacts:
    """What the 办件 projection (ingest's `cases`) says about one case."""

    case_no: str
    center_code: str
    department_code: str | None
    window_code: str | None
    staff_id: str | None
    matter_name: str | None
    case_type: str | None
    status: str
    accepted_at: datetime | None
    completed_at: datetime | None
    promised_days: int | None
    promised_due_at: datetime | None
    legal_due_at: datetime | None


def case_facts(conn: Connection[Any], case_no: str) -> CaseFacts | None:
    with conn.cursor(row_factory=class_row(CaseFacts)) as cur:
        return cur.execute(
            "select case_no, center_code, department_code, window_code, staff_id, matter_name,"
            " case_type, status, accepted_at, completed_at, promised_days, promised_due_at,"
            " legal_due_at from cases where case_no = %s",
            (case_no,),
        ).fetchone()


def case_events(conn: Connection[Any], case_no: str, limit: int = 50) -> list[dict[str, Any]]:
    """A case's events in time order (kind, occurred_at, payload) for the timeline."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select kind, occurred_at, staff_id, window_code, payload from events"
            " where case_no = %s order by occurred_at, id limit %s",
            (case_no, limit),
        ).fetchall()


def set_reply_due(conn: Connection[Any], case_id: int, due: datetime) -> AccCase:
    conn.execute("update accountability_cases set reply_due_at = %s where id = %s", (due, case_id))
    case = get_case(conn, case_id)
    assert case is not None
    return case
