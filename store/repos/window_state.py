"""Window state (migration 0022): the last queue activity per window and who is clocked in,
merged so that the latest event by occurred_at wins whatever the arrival order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row


@dataclass(frozen=True, slots=True)
class QueueActivity:
    window_code: str
    region_code: str
    center_code: str
    department_code: str | None
    at: datetime
    kind: str
    ticket_no: str | None


@dataclass(frozen=True, slots=True)
class AttendanceMark:
    staff_id: str
    window_code: str | None
    region_code: str
    center_code: str
    department_code: str | None
    at: datetime
    kind: str  # attendance.clock_in | attendance.clock_out


@dataclass(frozen=True, slots=True)
class WindowStateRow:
    window_code: str
    center_code: str
    department_code: str | None
    last_queue_at: datetime | None
    last_queue_kind: str | None
    last_ticket_no: str | None
    last_attendance_at: datetime | None
    staff_on_duty: list[str]


_MERGE_QUEUE = """
insert into window_state (window_code, region_code, center_code, department_code,
                          last_queue_at, last_queue_kind, last_ticket_no)
values (%s, %s, %s, %s, %s, %s, %s)
on conflict (window_code) do update set
    department_code = coalesce(excluded.department_code, window_state.department_code),
    last_queue_kind = case when excluded.last_queue_at >= coalesce(window_state.last_queue_at,
        '-infinity') then excluded.last_queue_kind else window_state.last_queue_kind end,
    last_ticket_no = case when excluded.last_queue_at >= coalesce(window_state.last_queue_at,
        '-infinity') then excluded.last_ticket_no else window_state.last_ticket_no end,
    last_queue_at = greatest(window_state.last_queue_at, excluded.last_queue_at),
    updated_at = now()
"""

_MERGE_STAFF = """
insert into staff_attendance (staff_id, window_code, center_code, last_at, last_kind)
values (%s, %s, %s, %s, %s)
on conflict (staff_id) do update set
    window_code = excluded.window_code, center_code = excluded.center_code,
    last_at = excluded.last_at, last_kind = excluded.last_kind, updated_at = now()
where excluded.last_at >= staff_attendance.last_at
"""

_TOUCH_WINDOW = """
insert into window_state (window_code, region_code, center_code, department_code,
                          last_attendance_at)
values (%s, %s, %s, %s, %s)
on conflict (window_code) do update set
    last_attendance_at = greatest(window_state.last_attendance_at, excluded.last_attendance_at),
    updated_at = now()
"""

_ON_DUTY = """
update window_state w set staff_on_duty = coalesce(
    (select array_agg(s.staff_id order by s.staff_id) from staff_attendance s
      where s.window_code = w.window_code and s.last_kind = 'attendance.clock_in'), '{}')
where w.window_code = any(%s)
"""


def merge_queue(conn: Connection[Any], items: Sequence[QueueActivity]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            _MERGE_QUEUE,
            [
                (
                    q.window_code,
                    q.region_code,
                    q.center_code,
                    q.department_code,
                    q.at,
                    q.kind,
                    q.ticket_no,
                )
                for q in items
            ],
        )


def merge_attendance(conn: Connection[Any], marks: Sequence[AttendanceMark]) -> None:
    if not marks:
        return
    with conn.cursor() as cur:
        cur.executemany(
            _MERGE_STAFF, [(m.staff_id, m.window_code, m.center_code, m.at, m.kind) for m in marks]
        )
        with_window = [m for m in marks if m.window_code is not None]
        cur.executemany(
            _TOUCH_WINDOW,
            [
                (m.window_code, m.region_code, m.center_code, m.department_code, m.at)
                for m in with_window
            ],
        )
        cur.execute(_ON_DUTY, (sorted({str(m.window_code) for m in with_window}),))


def window_states(conn: Connection[Any], center_code: str) -> list[WindowStateRow]:
    with conn.cursor(row_factory=class_row(WindowStateRow)) as cur:
        return cur.execute(
            "select window_code, center_code, department_code, last_queue_at, last_queue_kind,"
            " last_ticket_no, last_attendance_at, staff_on_duty from window_state"
            " where center_code = %s order by window_code",
            (center_code,),
        ).fetchall()
