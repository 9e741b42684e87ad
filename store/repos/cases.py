"""The case and complaint projections (migration 0020): typed rows, bulk load and save for the
projector, and the reads of the console's 办件监控 page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from psycopg import Connection
from psycopg.rows import class_row, dict_row, scalar_row

from store.repos.events import RowEncoder, copy_data

_ENCODER = RowEncoder()


@dataclass(frozen=True, slots=True)
class PauseSpan:
    """Time not counted: a 特别程序, or a 补正 after acceptance; `end` None while it lasts."""

    kind: str  # special_procedure | supplement
    start: datetime
    end: datetime | None = None
    procedure: str | None = None


@dataclass(frozen=True, slots=True)
class Extension:
    at: datetime
    days: int
    approved_by: str | None = None


@dataclass(slots=True)
class CaseRow:
    """One 办件 as folded from its events (ingest/fold.py); mutable only inside the fold."""

    case_no: str
    region_code: str
    center_code: str
    department_code: str | None = None
    window_code: str | None = None
    staff_id: str | None = None
    matter_code: str | None = None
    matter_name: str | None = None
    case_type: str | None = None
    applicant_name: str | None = None
    applicant_kind: str | None = None
    channel: str | None = None
    status: str = "applied"
    result: str | None = None
    applied_at: datetime | None = None
    accepted_at: datetime | None = None
    refused_at: datetime | None = None
    completed_at: datetime | None = None
    delivered_at: datetime | None = None
    promised_days: int | None = None
    legal_days: int | None = None
    stated_due_at: datetime | None = None
    promised_due_at: datetime | None = None
    legal_due_at: datetime | None = None
    pauses: tuple[PauseSpan, ...] = ()
    extensions: tuple[Extension, ...] = ()
    supplement_count: int = 0
    first_supplement_at: datetime | None = None
    supplement_open_at: datetime | None = None
    fee_total: Decimal | None = None
    rating: int | None = None
    event_count: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None


@dataclass(slots=True)
class ComplaintRow:
    complaint_no: str
    region_code: str
    center_code: str
    department_code: str | None = None
    channel: str | None = None
    category: str | None = None
    summary: str | None = None
    status: str = "filed"
    filed_at: datetime | None = None
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    substantiated: bool | None = None
    satisfied: bool | None = None
    event_count: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None


CASE_COLUMNS = tuple(f.name for f in fields(CaseRow))
_PAUSES, _EXTENSIONS = CASE_COLUMNS.index("pauses"), CASE_COLUMNS.index("extensions")
COMPLAINT_COLUMNS = tuple(f.name for f in fields(ComplaintRow))
_CASE_TYPES = {
    "promised_days": "int4",
    "legal_days": "int4",
    "supplement_count": "int4",
    "rating": "int4",
    "event_count": "int4",
    "pauses": "jsonb",
    "extensions": "jsonb",
    "fee_total": "numeric",
}
_BOOL = {"substantiated", "satisfied"}


def _type(name: str, types: dict[str, str]) -> str:
    if name in types:
        return types[name]
    if name in _BOOL:
        return "bool"
    return "timestamptz" if name.endswith("_at") else "text"


# ---------------------------------------------------------------- conversions


def _dt(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


def pauses_json(pauses: Iterable[PauseSpan]) -> bytes:
    return orjson.dumps(
        [{"kind": p.kind, "start": p.start, "end": p.end, "procedure": p.procedure} for p in pauses]
    )


def extensions_json(extensions: Iterable[Extension]) -> bytes:
    return orjson.dumps(
        [{"at": e.at, "days": e.days, "approved_by": e.approved_by} for e in extensions]
    )


def _case_from_db(row: dict[str, Any]) -> CaseRow:
    row["pauses"] = tuple(
        PauseSpan(p["kind"], _dt(p["start"]), _dt(p.get("end")), p.get("procedure"))  # type: ignore[arg-type]
        for p in row["pauses"]
    )
    row["extensions"] = tuple(
        Extension(_dt(e["at"]), int(e["days"]), e.get("approved_by"))  # type: ignore[arg-type]
        for e in row["extensions"]
    )
    return CaseRow(**row)


def _case_to_db(c: CaseRow) -> tuple[Any, ...]:
    values = [getattr(c, name) for name in CASE_COLUMNS]
    values[_PAUSES] = pauses_json(c.pauses)
    values[_EXTENSIONS] = extensions_json(c.extensions)
    return tuple(values)


# ---------------------------------------------------------------- projector I/O


def load_cases(conn: Connection[Any], case_nos: Sequence[str]) -> dict[str, CaseRow]:
    if not case_nos:
        return {}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            f"select {', '.join(CASE_COLUMNS)} from cases where case_no = any(%s)",
            (list(case_nos),),
        ).fetchall()
    return {r["case_no"]: _case_from_db(r) for r in rows}


def load_complaints(conn: Connection[Any], numbers: Sequence[str]) -> dict[str, ComplaintRow]:
    if not numbers:
        return {}
    with conn.cursor(row_factory=class_row(ComplaintRow)) as cur:
        rows = cur.execute(
            f"select {', '.join(COMPLAINT_COLUMNS)} from complaints where complaint_no = any(%s)",
            (list(numbers),),
        ).fetchall()
    return {r.complaint_no: r for r in rows}


def _upsert(
    conn: Connection[Any],
    table: str,
    key: str,
    columns: Sequence[str],
    types: dict[str, str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """COPY into a temporary table, then insert or update the real one by `key`."""
    stage = f"{table}_stage"
    conn.execute(
        f"create temp table if not exists {stage} on commit delete rows as"  # type: ignore[arg-type]
        f" select {', '.join(columns)} from {table} with no data"
    )
    data = copy_data([_ENCODER.body(rows, [_type(c, types) for c in columns])])
    with conn.cursor() as cur:
        cols = ", ".join(columns)
        with cur.copy(f"copy {stage} ({cols}) from stdin (format binary)") as copy:  # type: ignore[arg-type]
            copy.write(data)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
        cur.execute(
            f"insert into {table} ({cols}) select {cols} from {stage}"  # type: ignore[arg-type]
            f" on conflict ({key}) do update set {updates}, updated_at = now()"
        )


def save_cases(conn: Connection[Any], cases: Iterable[CaseRow]) -> None:
    _upsert(conn, "cases", "case_no", CASE_COLUMNS, _CASE_TYPES, map(_case_to_db, cases))


def save_complaints(conn: Connection[Any], complaints: Iterable[ComplaintRow]) -> None:
    rows = ([getattr(c, n) for n in COMPLAINT_COLUMNS] for c in complaints)
    _upsert(
        conn,
        "complaints",
        "complaint_no",
        COMPLAINT_COLUMNS,
        {"event_count": "int4"},
        (tuple(r) for r in rows),
    )


def delete_all(conn: Connection[Any]) -> None:
    """Forget the projections (a rebuild from events follows)."""
    conn.execute("truncate cases, complaints, window_state, staff_attendance")
    conn.execute("delete from clocks where subject_kind in ('case', 'complaint')")
    conn.execute("delete from projector_cursors")


# ---------------------------------------------------------------- console reads


@dataclass(frozen=True)
class CaseSearch:
    """Filters of the 办件监控 page; `overdue` compares deadlines with `now`."""

    region_prefix: str
    department_code: str | None = None  # a liaison's own department
    case_no: str | None = None
    applicant: str | None = None
    matter: str | None = None
    department: str | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    limit: int = 200


@dataclass(frozen=True)
class CaseListItem:
    case_no: str
    center_code: str
    department_code: str | None
    department_name: str | None
    window_code: str | None
    matter_code: str | None
    matter_name: str | None
    case_type: str | None
    applicant_name: str | None
    status: str
    result: str | None
    accepted_at: datetime | None
    completed_at: datetime | None
    promised_due_at: datetime | None
    legal_due_at: datetime | None
    overdue: bool


_OVERDUE = (
    "(c.promised_due_at is not null and c.status <> 'refused'"
    " and coalesce(c.completed_at, %(now)s) > c.promised_due_at)"
)


_SEARCH_WHERE = (
    " where c.region_code like %(region_prefix)s || '%%'"
    "   and (%(scope_department)s::text is null or c.department_code = %(scope_department)s)"
    "   and (%(case_no)s::text is null or strpos(c.case_no, %(case_no)s) > 0)"
    "   and (%(applicant)s::text is null or strpos(c.applicant_name, %(applicant)s) > 0)"
    "   and (%(matter)s::text is null or c.matter_code = %(matter)s"
    "        or strpos(coalesce(c.matter_name, m.name), %(matter)s) > 0)"
    "   and (%(department)s::text is null or c.department_code = %(department)s)"
    "   and (cardinality(%(statuses)s::text[]) = 0 or c.status = any(%(statuses)s))"
    f"  and (not %(overdue)s or {_OVERDUE})"
)


def _search_params(q: CaseSearch, now: datetime) -> dict[str, Any]:
    return {
        "region_prefix": q.region_prefix,
        "scope_department": q.department_code,
        "case_no": q.case_no or None,
        "applicant": q.applicant or None,
        "matter": q.matter or None,
        "department": q.department or None,
        "statuses": list(q.statuses),
        "overdue": q.overdue,
        "limit": q.limit,
        "now": now,
    }


def search_cases(conn: Connection[Any], q: CaseSearch, now: datetime) -> list[CaseListItem]:
    """The newest `q.limit` cases matching the search."""
    with conn.cursor(row_factory=class_row(CaseListItem)) as cur:
        return cur.execute(
            "select c.case_no, c.center_code, c.department_code, d.name as department_name,"
            " c.window_code, c.matter_code, coalesce(c.matter_name, m.name) as matter_name,"
            " c.case_type, c.applicant_name, c.status, c.result, c.accepted_at, c.completed_at,"
            f" c.promised_due_at, c.legal_due_at, {_OVERDUE} as overdue"
            " from cases c left join departments d on d.code = c.department_code"
            " left join matters m on m.code = c.matter_code"
            f"{_SEARCH_WHERE}"
            " order by coalesce(c.accepted_at, c.applied_at, c.first_event_at) desc, c.case_no"
            " limit %(limit)s",
            _search_params(q, now),
        ).fetchall()


def count_cases(conn: Connection[Any], q: CaseSearch, now: datetime) -> int:
    """How many cases match the search (beyond the ones listed)."""
    with conn.cursor(row_factory=scalar_row) as cur:
        sql = "select count(*) from cases c left join matters m on m.code = c.matter_code"
        return int(cur.execute(sql + _SEARCH_WHERE, _search_params(q, now)).fetchone() or 0)


def get_case(
    conn: Connection[Any], case_no: str, region_prefix: str, department_code: str | None = None
) -> CaseRow | None:
    """One case, if it is inside the caller's scope."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            f"select {', '.join(CASE_COLUMNS)} from cases where case_no = %s"
            " and region_code like %s || '%%'"
            " and (%s::text is null or department_code = %s)",
            (case_no, region_prefix, department_code, department_code),
        ).fetchone()
    return None if row is None else _case_from_db(row)


def status_counts(
    conn: Connection[Any], now: datetime, center_code: str | None = None
) -> dict[str, int]:
    """Cases by status, plus 'overdue_promised' and 'overdue_legal' as of `now`."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "select status, count(*)::int as n from cases"
            " where %(center)s::text is null or center_code = %(center)s group by status",
            {"center": center_code},
        ).fetchall()
        late = cur.execute(
            "select count(*) filter (where promised_due_at is not null and status <> 'refused'"
            "   and coalesce(completed_at, %(now)s) > promised_due_at)::int as promised,"
            " count(*) filter (where legal_due_at is not null and status <> 'refused'"
            "   and coalesce(completed_at, %(now)s) > legal_due_at)::int as legal"
            " from cases where %(center)s::text is null or center_code = %(center)s",
            {"now": now, "center": center_code},
        ).fetchone()
    out = {r["status"]: r["n"] for r in rows}
    assert late is not None
    out["overdue_promised"], out["overdue_legal"] = late["promised"], late["legal"]
    return out


def overdue_case_nos(conn: Connection[Any], now: datetime, which: str = "promised") -> set[str]:
    column = {"promised": "promised_due_at", "legal": "legal_due_at"}[which]
    with conn.cursor(row_factory=scalar_row) as cur:
        rows = cur.execute(
            f"select case_no from cases where {column} is not null and status <> 'refused'"  # type: ignore[arg-type]
            f" and coalesce(completed_at, %s) > {column}",
            (now,),
        ).fetchall()
    return set(rows)


def case_alerts(conn: Connection[Any], case_no: str) -> list[dict[str, Any]]:
    """The alerts raised about a case (the alerts table belongs to the alert engine; empty
    before its migration)."""
    with conn.cursor(row_factory=dict_row) as cur:
        exists = cur.execute("select to_regclass('public.alerts') is not null as ok").fetchone()
        if not exists or not exists["ok"]:
            return []
        return cur.execute(
            "select id, rule, level, status, summary, since, created_at, closed_at"
            " from alerts where case_no = %s order by created_at desc",
            (case_no,),
        ).fetchall()
