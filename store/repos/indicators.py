"""Indicator sums over `indicator_daily` (migration 0051) for a period and a roll-up level, plus
the complaint, alert and measure counts the scoring and the bulletin need. Ratios are made in
accountability/indicators.py; here only sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row

# The column that names a group at each level (region: the case's region code).
LEVEL_KEYS = {
    "window": "window_code",
    "staff": "staff_id",
    "department": "department_code",
    "center": "center_code",
    "region": "region_code",
}
SUM_COLUMNS = [
    "acc_n",
    "acc_same_day",
    "inst_n",
    "inst_first_visit",
    "comp_n",
    "comp_due_n",
    "on_time_n",
    "early_n",
    "late_n",
    "inst_comp_n",
    "inst_minutes",
    "prom_comp_n",
    "prom_wd",
    "legal_wd",
    "rated_n",
    "good_n",
    "bad_n",
    "incomplete_n",
]


@dataclass(frozen=True)
class Sums:
    key: str
    acc_n: int
    acc_same_day: int
    inst_n: int
    inst_first_visit: int
    comp_n: int
    comp_due_n: int
    on_time_n: int
    early_n: int
    late_n: int
    inst_comp_n: int
    inst_minutes: float
    prom_comp_n: int
    prom_wd: int
    legal_wd: int
    rated_n: int
    good_n: int
    bad_n: int
    incomplete_n: int


def populated(conn: Connection[Any]) -> bool:
    row = conn.execute(
        "select ispopulated from pg_matviews where matviewname = 'indicator_daily'"
    ).fetchone()
    return bool(_v(row, 0)) if row is not None else False


def refresh(conn: Connection[Any]) -> None:
    """Recompute the daily aggregate (concurrently once it holds data, so readers never wait)."""
    mode = "concurrently " if populated(conn) else ""
    conn.execute(f"refresh materialized view {mode}indicator_daily")  # type: ignore[arg-type]


def sums(
    conn: Connection[Any],
    level: str,
    start: date,
    end: date,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
    by_day: bool = False,
) -> list[Sums]:
    """One row of sums per group of `level` over local days [start, end); with `by_day`, the key
    is 'YYYY-MM-DD|group' (for trends). The aggregate is filled on first use."""
    if not populated(conn):
        refresh(conn)
    key = LEVEL_KEYS[level]
    group = f"day::text || '|' || {key}" if by_day else key
    cols = ", ".join(
        f"sum({c})::{'float8' if c == 'inst_minutes' else 'int'} as {c}" for c in SUM_COLUMNS
    )
    with conn.cursor(row_factory=class_row(Sums)) as cur:
        return cur.execute(
            f"select {group} as key, {cols} from indicator_daily"
            " where day >= %(start)s and day < %(end)s"
            " and (%(prefix)s::text is null or region_code like %(prefix)s || '%%')"
            " and (%(dep)s::text is null or department_code = %(dep)s)"
            " and (%(center)s::text is null or center_code = %(center)s)"
            f" group by 1 order by 1",
            {
                "start": start,
                "end": end,
                "prefix": region_prefix,
                "dep": department_code,
                "center": center_code,
            },
        ).fetchall()


def complaints(
    conn: Connection[Any], start: date, end: date, *, center_code: str | None = None
) -> dict[str, int]:
    """Complaints filed per department in local days [start, end)."""
    rows = conn.execute(
        "select coalesce(k.department_code, '') as dep, count(*) as n from complaints k"
        " join centers ce on ce.code = k.center_code"
        " where (k.filed_at at time zone coalesce(ce.schedule->>'timezone', 'Asia/Shanghai'))::date"
        " between %s and %s - 1 and (%s::text is null or k.center_code = %s) group by 1",
        (start, end, center_code, center_code),
    ).fetchall()
    return {_v(r, 0): int(_v(r, 1)) for r in rows}


# The cards that count: not dismissed as a false alarm, and not a deadline card of a case that
# was completed by the moment the card's condition began (`since`, the due time of its level).
# Events can reach the alert engine late (a catch-up, an offline source, a replay): it may then
# raise a deadline card before it reads a completion that came in time. The completion resolves
# the card, but the condition never held, so no department loses points for it.
STANDING = (
    " a.dismiss_reason is distinct from 'false_alarm'"
    " and not (a.rule in ('case.promised_deadline', 'case.legal_deadline') and exists"
    " (select 1 from cases k where k.case_no = a.case_no and k.completed_at <= a.since))"
)


def alert_counts(
    conn: Connection[Any], start: date, end: date, *, center_code: str | None = None
) -> dict[tuple[str, str], int]:
    """Cards per (department, level) whose condition began (`since`) in local days
    [start, end) and held (STANDING)."""
    rows = conn.execute(
        "select coalesce(a.department_code, '') as dep, a.level, count(*) as n from alerts a"
        " join centers ce on ce.code = a.center_code where (a.since at time zone"
        " coalesce(ce.schedule->>'timezone', 'Asia/Shanghai'))::date between %s and %s - 1"
        f" and {STANDING} and (%s::text is null or a.center_code = %s) group by 1, 2",
        (start, end, center_code, center_code),
    ).fetchall()
    return {(_v(r, 0), _v(r, 1)): int(_v(r, 2)) for r in rows}


def alerts_in(
    conn: Connection[Any], start: date, end: date, levels: tuple[str, ...], *, center_code: str
) -> list[dict[str, Any]]:
    """Red and yellow cards of the period for the bulletin, worst first."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select a.id, a.level, a.rule, a.summary, a.case_no, a.since as created_at,"
            " coalesce(d.name, '') as department from alerts a"
            " left join departments d on d.code = a.department_code"
            " join centers ce on ce.code = a.center_code where a.center_code = %s"
            " and (a.since at time zone coalesce(ce.schedule->>'timezone',"
            " 'Asia/Shanghai'))::date between %s and %s - 1 and a.level = any(%s)"
            f" and {STANDING} order by a.level = 'red' desc, a.since limit 200",
            (center_code, start, end, list(levels)),
        ).fetchall()


def measures_in(
    conn: Connection[Any], start: date, end: date, *, center_code: str
) -> list[dict[str, Any]]:
    """Measures decided in the period (not revoked), with their case and department."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select m.measure, m.decided_at, c.id as case_id, c.subject_name, c.title,"
            " d.name as department, n.doc_number from accountability_measures m"
            " join accountability_cases c on c.id = m.case_id"
            " join departments d on d.code = c.department_code"
            " left join notices n on n.case_id = c.id and n.voided_at is null"
            " join centers ce on ce.code = c.center_code where c.center_code = %s"
            " and m.revoked_at is null and (m.decided_at at time zone coalesce(ce.schedule->>"
            "'timezone', 'Asia/Shanghai'))::date between %s and %s - 1 order by m.decided_at",
            (center_code, start, end),
        ).fetchall()


def department_names(conn: Connection[Any], center_code: str | None = None) -> dict[str, str]:
    rows = conn.execute(
        "select code, name from departments where %s::text is null or center_code = %s",
        (center_code, center_code),
    ).fetchall()
    return {_v(r, 0): _v(r, 1) for r in rows}


def cases_behind(
    conn: Connection[Any],
    level: str,
    key: str,
    start: date,
    end: date,
    what: str,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The 办件 behind a number (drill-down): completed in the period, optionally only the late
    ones (`what` = 'late') or the early ones ('early'), for one group of `level`."""
    column = LEVEL_KEYS[level]
    cond = {
        "late": "k.completed_at > k.promised_due_at",
        "early": "(k.completed_at at time zone tz)::date"
        " < (k.promised_due_at at time zone tz)::date",
        "all": "true",
    }[what]
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "with k as (select k.*, coalesce(ce.schedule->>'timezone', 'Asia/Shanghai') as tz"
            " from cases k join centers ce on ce.code = k.center_code)"
            " select k.case_no, k.matter_name, k.case_type, k.department_code, k.window_code,"
            " k.staff_id, k.accepted_at, k.promised_due_at, k.completed_at, k.rating from k"
            f" where coalesce(k.{column}, '') = %s and k.status = 'completed'"
            " and (k.completed_at at time zone tz)::date between %s and %s - 1"
            f" and {cond} order by k.completed_at limit %s",
            (key, start, end, limit),
        ).fetchall()


def _v(row: Any, i: int) -> Any:
    return list(row.values())[i] if isinstance(row, dict) else row[i]


def scoring_config(conn: Connection[Any], center_code: str) -> dict[str, Any] | None:
    """The centre's saved scoring model, else the default ('' row), else None (the preset)."""
    row = conn.execute(
        "select config from scoring_models where center_code in (%s, '')"
        " order by center_code = '' limit 1",
        (center_code,),
    ).fetchone()
    return None if row is None else _v(row, 0)


def save_scoring_config(
    conn: Connection[Any], center_code: str, config: dict[str, Any], actor: str
) -> None:
    from psycopg.types.json import Jsonb

    conn.execute(
        "insert into scoring_models (center_code, config, updated_by) values (%s, %s, %s)"
        " on conflict (center_code) do update set config = excluded.config,"
        " updated_by = excluded.updated_by, updated_at = now()",
        (center_code, Jsonb(config), actor),
    )


@dataclass(frozen=True)
class BulletinRow:
    id: int
    region_code: str
    center_code: str
    month: date
    status: str
    requested_by: str
    requested_at: Any
    made_at: Any
    pdf_path: str | None
    pdf_sha256: str | None
    summary: dict[str, Any]
    error: str | None


_BULLETIN = (
    "id, region_code, center_code, month, status, requested_by, requested_at, made_at,"
    " pdf_path, pdf_sha256, summary, error"
)


def claim_bulletin(
    conn: Connection[Any],
    center_code: str,
    region_code: str,
    month: date,
    actor: str,
    *,
    again: bool,
) -> BulletinRow | None:
    """The bulletin row of (centre, month) for this caller to make: new, or (with `again`, on
    demand) the existing one reset to pending. None when it exists and `again` is False — the
    automatic job then leaves it alone, so it runs once whatever the number of workers."""
    with conn.cursor(row_factory=class_row(BulletinRow)) as cur:
        row = cur.execute(
            "insert into bulletins (center_code, region_code, month, requested_by)"
            f" values (%s, %s, %s, %s) on conflict do nothing returning {_BULLETIN}",
            (center_code, region_code, month, actor),
        ).fetchone()
        if row is None and again:
            row = cur.execute(
                "update bulletins set status = 'pending', requested_by = %s,"
                " requested_at = now(), error = null where center_code = %s and month = %s"
                f" returning {_BULLETIN}",
                (actor, center_code, month),
            ).fetchone()
    return row


def finish_bulletin(
    conn: Connection[Any],
    bulletin_id: int,
    *,
    status: str,
    made_at: Any,
    pdf_path: str | None = None,
    pdf_sha256: str | None = None,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    from psycopg.types.json import Jsonb

    conn.execute(
        "update bulletins set status = %s, made_at = %s, pdf_path = %s, pdf_sha256 = %s,"
        " summary = %s, error = %s where id = %s",
        (status, made_at, pdf_path, pdf_sha256, Jsonb(summary or {}), error, bulletin_id),
    )


def bulletins(
    conn: Connection[Any], *, region_prefix: str | None = None, limit: int = 120
) -> list[BulletinRow]:
    with conn.cursor(row_factory=class_row(BulletinRow)) as cur:
        return cur.execute(
            f"select {_BULLETIN} from bulletins where %(p)s::text is null"
            " or region_code like %(p)s || '%%' order by month desc, id desc limit %(n)s",
            {"p": region_prefix, "n": limit},
        ).fetchall()


def center_codes(conn: Connection[Any]) -> list[tuple[str, str]]:
    """(code, region_code) of every centre."""
    rows = conn.execute("select code, region_code from centers order by code").fetchall()
    return [(_v(r, 0), _v(r, 1)) for r in rows]
