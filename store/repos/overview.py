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
    last_event_at: datetime | None  # the newest event the alert engine saw, any source


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
                   (select max(f.last_event_at) from alert_feeds f where f.center_code = c.code)
                      as last_event_at  -- kept per source by the alert engine: no events scan
            from centers c join regions r on r.code = c.region_code
            where c.region_code like %(region_prefix)s || '%%'
            order by c.region_code, c.code
            """,
            {"region_prefix": region_prefix, "department_code": department_code},
        ).fetchall()


@dataclass(frozen=True)
class Today:
    """A centre's day so far, for the home page."""

    center_code: str
    accepted: int  # 今日受理
    completed: int  # 今日办结
    in_progress: int  # 在办
    overdue: int  # 在办超期 (past the promised deadline, not completed)
    waiting: int  # 排队等候 (tickets issued today, not yet called)
    complaints: int  # 今日投诉
    ratings: int  # 今日评价
    bad_ratings: int  # 今日差评 (score 4–5: 不满意, 非常不满意)


def today(
    conn: Connection[Any], region_prefix: str, now: datetime, department_code: str | None = None
) -> dict[str, Today]:
    """Every centre in the scope (a region subtree; a liaison: one department), by code."""
    with conn.cursor(row_factory=class_row(Today)) as cur:
        rows = cur.execute(
            """
            with day as (
                select date_trunc('day', %(now)s at time zone 'Asia/Shanghai')
                       at time zone 'Asia/Shanghai' as start
            ),
            k as (select code from centers where region_code like %(prefix)s || '%%'),
            moved as (  -- the two indexed times, read together (a bitmap OR)
                select center_code, count(*) filter (where accepted_at >= day.start) as acc,
                       count(*) filter (where completed_at >= day.start) as done
                from cases, day
                where (accepted_at >= day.start or completed_at >= day.start)
                  and center_code in (select code from k)
                  and (%(dept)s::text is null or department_code = %(dept)s) group by 1
            ),
            open as (
                select center_code, count(*) filter (where status <> 'applied') as n,
                       count(*) filter (where status <> 'applied'
                                        and promised_due_at < %(now)s) as late
                from cases where status not in ('completed', 'refused')
                  and center_code in (select code from k)
                  and (%(dept)s::text is null or department_code = %(dept)s) group by 1
            ),
            queue as (
                select center_code, count(*) as n from alert_tickets, day
                where called_at is null and issued_at >= day.start
                  and center_code in (select code from k)
                  and (%(dept)s::text is null or department_code = %(dept)s) group by 1
            ),
            voice as (
                select center_code, count(*) as n from complaints, day
                where filed_at >= day.start and center_code in (select code from k)
                  and (%(dept)s::text is null or department_code = %(dept)s) group by 1
            ),
            rated as (
                select e.center_code, count(*) as n,
                       count(*) filter (where (e.payload->>'score')::int >= 4) as bad
                from events e, day
                where e.kind = 'rating.submitted' and e.occurred_at >= day.start
                  and e.occurred_at <= %(now)s and e.center_code in (select code from k)
                  and (%(dept)s::text is null or e.department_code = %(dept)s) group by 1
            )
            select k.code as center_code,
                   coalesce(moved.acc, 0)::int as accepted,
                   coalesce(moved.done, 0)::int as completed,
                   coalesce(open.n, 0)::int as in_progress, coalesce(open.late, 0)::int as overdue,
                   coalesce(queue.n, 0)::int as waiting, coalesce(voice.n, 0)::int as complaints,
                   coalesce(rated.n, 0)::int as ratings, coalesce(rated.bad, 0)::int as bad_ratings
            from k
            left join moved on moved.center_code = k.code
            left join open on open.center_code = k.code
            left join queue on queue.center_code = k.code
            left join voice on voice.center_code = k.code
            left join rated on rated.center_code = k.code
            """,
            {"prefix": region_prefix, "dept": department_code, "now": now},
        ).fetchall()
    return {r.center_code: r for r in rows}
