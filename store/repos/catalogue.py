"""The matter catalogue counted for 进驻率 and 授权率 (migration 0052 adds its fields; the
definitions are in accountability/indicators.py), per department, centre or region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row


@dataclass(frozen=True)
class Catalogue:
    """Counts of the matter catalogue of one group (definitions: accountability/indicators.py)."""

    key: str
    required_n: int  # 应进必进 matters
    entered_n: int  # of those, in the hall
    in_hall_n: int  # matters in the hall (required or not)
    review_n: int  # in the hall, 审核权 delegated to the window
    approval_n: int  # in the hall, 审批权 delegated to the window
    active_n: int  # in the hall, with a case accepted at a window in the period


CATALOGUE_KEYS = {
    "department": "m.department_code",
    "center": "d.center_code",
    "region": "ce.region_code",
}


def catalogue(
    conn: Connection[Any],
    level: str,
    start: date,
    end: date,
    *,
    region_prefix: str | None = None,
    department_code: str | None = None,
    center_code: str | None = None,
) -> list[Catalogue]:
    """Catalogue counts per department, centre or region in scope; `active_n` counts the
    matters with a case accepted at a window in local days [start, end)."""
    key = CATALOGUE_KEYS[level]
    with conn.cursor(row_factory=class_row(Catalogue)) as cur:
        return cur.execute(
            "with used as (select distinct k.matter_code from cases k"
            " join centers c2 on c2.code = k.center_code where k.window_code is not null"
            " and k.accepted_at >= %(start)s::date - 1 and k.accepted_at < %(end)s::date + 1"
            " and (k.accepted_at at time zone coalesce(c2.schedule->>'timezone',"
            " 'Asia/Shanghai'))::date between %(start)s and %(end)s::date - 1)"
            f" select {key} as key,"
            " count(*) filter (where m.hall_required)::int as required_n,"
            " count(*) filter (where m.hall_required and m.in_hall)::int as entered_n,"
            " count(*) filter (where m.in_hall)::int as in_hall_n,"
            " count(*) filter (where m.in_hall and m.review_authorised)::int as review_n,"
            " count(*) filter (where m.in_hall and m.approval_authorised)::int as approval_n,"
            " count(u.matter_code) filter (where m.in_hall)::int as active_n"
            " from matters m join departments d on d.code = m.department_code"
            " join centers ce on ce.code = d.center_code"
            " left join used u on u.matter_code = m.code"
            " where (%(prefix)s::text is null or ce.region_code like %(prefix)s || '%%')"
            " and (%(dep)s::text is null or m.department_code = %(dep)s)"
            " and (%(center)s::text is null or d.center_code = %(center)s)"
            " group by 1 order by 1",
            {
                "start": start,
                "end": end,
                "prefix": region_prefix,
                "dep": department_code,
                "center": center_code,
            },
        ).fetchall()
