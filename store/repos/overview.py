"""Reads for the console's home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row


@dataclass(frozen=True)
class CenterSummary:
    code: str
    name: str
    region_code: str
    region_name: str
    departments: int
    windows: int
    events_today: int
    last_event_at: datetime | None


def center_summaries(
    conn: Connection[Any], region_prefix: str, department_code: str | None = None
) -> list[CenterSummary]:
    with conn.cursor(row_factory=class_row(CenterSummary)) as cur:
        return cur.execute(
            """
            select c.code, c.name, c.region_code, r.name as region_name,
                   (select count(*) from departments d where d.center_code = c.code
                      and (%(department_code)s::text is null or d.code = %(department_code)s))::int
                      as departments,
                   (select count(*) from windows w where w.center_code = c.code
                      and (%(department_code)s::text is null
                           or w.department_code = %(department_code)s))::int as windows,
                   (select count(*) from events e where e.center_code = c.code
                      and e.occurred_at >= date_trunc('day', now() at time zone 'Asia/Shanghai')
                                           at time zone 'Asia/Shanghai'
                      and (%(department_code)s::text is null
                           or e.department_code = %(department_code)s))::int as events_today,
                   (select max(e.occurred_at) from events e where e.center_code = c.code)
                      as last_event_at
            from centers c join regions r on r.code = c.region_code
            where c.region_code like %(region_prefix)s || '%%'
            order by c.region_code, c.code
            """,
            {"region_prefix": region_prefix, "department_code": department_code},
        ).fetchall()
