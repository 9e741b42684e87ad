"""Reads for the live alert board (实时告警) and the metrics: alerts in a user's scope with
filters, counts by level, the hall map of windows coloured by state, a case's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row

from store.repos.alerts.records import ACTIVE_SQL, COLUMNS, AlertRow


def list_alerts(
    conn: Connection[Any],
    *,
    region_prefix: str,
    department_code: str | None = None,
    center_code: str | None = None,
    rule: str | None = None,
    level: str | None = None,
    statuses: Sequence[str] = ("open", "acknowledged", "assigned"),
    limit: int = 300,
) -> list[AlertRow]:
    """Alerts in the scope (a region subtree; a liaison: one department), newest first."""
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        return cur.execute(
            f"select {COLUMNS} from alerts"
            " where region_code like %(prefix)s || '%%'"
            " and (%(dept)s::text is null or department_code = %(dept)s)"
            " and (%(center)s::text is null or center_code = %(center)s)"
            " and (%(rule)s::text is null or rule = %(rule)s)"
            " and (%(level)s::text is null or level = %(level)s)"
            " and status = any(%(statuses)s)"
            " order by array_position(array['red', 'yellow', 'warning'], level), updated_at desc"
            " limit %(limit)s",
            {
                "prefix": region_prefix,
                "dept": department_code,
                "center": center_code,
                "rule": rule,
                "level": level,
                "statuses": list(statuses),
                "limit": limit,
            },
        ).fetchall()


def level_counts_by_centre(
    conn: Connection[Any], *, region_prefix: str, department_code: str | None = None
) -> dict[str, dict[str, int]]:
    """Active alerts by centre and level in the scope."""
    rows = conn.execute(
        f"select center_code, level, count(*) from alerts where status in {ACTIVE_SQL}"
        " and region_code like %s || '%%' and (%s::text is null or department_code = %s)"
        " group by 1, 2",
        (region_prefix, department_code, department_code),
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(_v(r, 0), {})[_v(r, 1)] = int(_v(r, 2))
    return out


def open_counts(conn: Connection[Any]) -> dict[tuple[str, str], int]:
    """Active alerts by (rule, level), for the metrics."""
    rows = conn.execute(
        f"select rule, level, count(*) from alerts where status in {ACTIVE_SQL} group by 1, 2"
    ).fetchall()
    return {(_v(r, 0), _v(r, 1)): int(_v(r, 2)) for r in rows}


def _v(row: Any, i: int) -> Any:
    return list(row.values())[i] if isinstance(row, dict) else row[i]


@dataclass(frozen=True)
class WindowTile:
    code: str
    name: str
    department_code: str
    department_name: str
    position: list[int]
    occupied: bool | None
    camera_status: str
    empty_since: datetime | None
    alert_level: str | None  # most severe active window alert
    alert_rule: str | None

    @property
    def state(self) -> str:
        """fault / empty / occupied / unknown (what the map colours)."""
        if self.camera_status != "ok":
            return "fault"
        if self.alert_rule == "window.empty" or self.occupied is False:
            return "empty"
        return "occupied" if self.occupied else "unknown"


def window_map(
    conn: Connection[Any], center_code: str, department_code: str | None = None
) -> list[WindowTile]:
    with conn.cursor(row_factory=class_row(WindowTile)) as cur:
        return cur.execute(
            f"""
            select w.code, w.name, w.department_code, d.name as department_name, w.position,
                   a.occupied, coalesce(a.camera_status, 'ok') as camera_status, a.empty_since,
                   x.level as alert_level, x.rule as alert_rule
            from windows w join departments d on d.code = w.department_code
            left join alert_windows a on a.window_code = w.code
            left join lateral (
                select level, rule from alerts
                where window_code = w.code and status in {ACTIVE_SQL}
                  and rule in ('window.empty', 'camera.fault')
                order by array_position(array['red', 'yellow', 'warning'], level) limit 1
            ) x on true
            where w.center_code = %s and (%s::text is null or w.department_code = %s)
            order by w.position, w.code
            """,
            (center_code, department_code, department_code),
        ).fetchall()


def case_timeline(conn: Connection[Any], case_no: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select occurred_at, kind, window_code, staff_id, payload from events"
            " where case_no = %s order by occurred_at, id",
            (case_no,),
        ).fetchall()
