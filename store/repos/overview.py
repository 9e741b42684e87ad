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


@dataclass(frozen=True)
class Today:
    """A centre's day so far, for the home page."""

    accepted: int  # 今日受理
    completed: int  # 今日办结
    in_progress: int  # 在办
    overdue: int  # 在办超期 (past the promised deadline, not completed)
    waiting: int  # 排队等候 (tickets issued today, not yet called)
    complaints: int  # 今日投诉
    ratings: int  # 今日评价
    bad_ratings: int  # 今日差评 (score 4–5: 不满意, 非常不满意)


def today(
    conn: Connection[Any], center_code: str, now: datetime, department_code: str | None = None
) -> Today:
    with conn.cursor(row_factory=class_row(Today)) as cur:
        row = cur.execute(
            """
            with day as (
                select date_trunc('day', %(now)s at time zone 'Asia/Shanghai')
                       at time zone 'Asia/Shanghai' as start
            ), c as (
                select * from cases where center_code = %(center)s
                  and (%(dept)s::text is null or department_code = %(dept)s)
            )
            select
              (select count(*) from c, day where accepted_at >= day.start)::int as accepted,
              (select count(*) from c, day where completed_at >= day.start)::int as completed,
              (select count(*) from c where status in ('accepted', 'supplement', 'suspended'))::int
                as in_progress,
              (select count(*) from c where status in ('accepted', 'supplement', 'suspended')
                 and promised_due_at < %(now)s)::int as overdue,
              (select count(*) from alert_tickets t, day where t.center_code = %(center)s
                 and (%(dept)s::text is null or t.department_code = %(dept)s)
                 and t.issued_at >= day.start and t.called_at is null)::int as waiting,
              (select count(*) from complaints p, day where p.center_code = %(center)s
                 and (%(dept)s::text is null or p.department_code = %(dept)s)
                 and p.filed_at >= day.start)::int as complaints,
              r.ratings, r.bad_ratings
            from (
              select count(*)::int as ratings,
                     count(*) filter (where (e.payload->>'score')::int >= 4)::int as bad_ratings
              from events e, day where e.kind = 'rating.submitted' and e.center_code = %(center)s
                and (%(dept)s::text is null or e.department_code = %(dept)s)
                and e.occurred_at >= day.start and e.occurred_at <= %(now)s
            ) r
            """,
            {"center": center_code, "dept": department_code, "now": now},
        ).fetchone()
    assert row is not None
    return row
