"""Duty clocks (migration 0021): the projector's upsert and the console's read. The alert engine
claims due rows itself (`next_fire_at`, FOR UPDATE SKIP LOCKED); see the migration for who
writes which column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import orjson
from psycopg import Connection
from psycopg.rows import class_row

from store.repos.events import RowEncoder, copy_data


@dataclass(frozen=True, slots=True)
class ClockRow:
    subject_kind: str
    subject_id: str
    clock_kind: str
    region_code: str
    center_code: str
    department_code: str | None
    start_at: datetime
    budget: int
    unit: str
    pauses: tuple[tuple[datetime, datetime | None], ...]
    extensions: tuple[tuple[datetime, int], ...]
    policy: str
    due_at: datetime | None
    level_due: dict[str, datetime]
    provisional: bool
    calendar_version: str
    state: str  # running | paused | stopped
    stopped_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredClock:
    subject_kind: str
    subject_id: str
    clock_kind: str
    start_at: datetime
    budget: int
    unit: str
    policy: str
    due_at: datetime | None
    level_due: dict[str, Any]
    provisional: bool
    state: str
    stopped_at: datetime | None
    level: str | None
    next_fire_at: datetime | None
    pauses: list[dict[str, Any]]
    extensions: list[dict[str, Any]]


COLUMNS = tuple(f.name for f in fields(ClockRow))
_TYPES = {
    "start_at": "timestamptz",
    "budget": "int4",
    "pauses": "jsonb",
    "extensions": "jsonb",
    "due_at": "timestamptz",
    "level_due": "jsonb",
    "provisional": "bool",
    "stopped_at": "timestamptz",
}
_UPSERT = f"""
insert into clocks ({", ".join(COLUMNS)}, next_fire_at)
select {", ".join(COLUMNS)}, clock_next_fire(level_due, null, state) from clocks_stage
on conflict (subject_kind, subject_id, clock_kind) do update set
    {", ".join(f"{c} = excluded.{c}" for c in COLUMNS[3:])},
    next_fire_at = case
        -- a level already raised whose due time moved into the future (an extension, a
        -- late pause): wake the engine now so it can re-assess
        when clocks.level is not null and excluded.state <> 'stopped'
             and (excluded.level_due ->> clocks.level) is not null
             and (excluded.level_due ->> clocks.level)::timestamptz > now() then now()
        -- stopped before the level it already raised was due (the stop arrived after the
        -- engine fired: a late event, or a backlog being loaded): wake it to clear the alert.
        -- The level's time is the running row's: a stopped clock has none left to fire.
        when clocks.level is not null and excluded.state = 'stopped' and clocks.state <> 'stopped'
             and (clocks.level_due ->> clocks.level) is not null
             and excluded.stopped_at < (clocks.level_due ->> clocks.level)::timestamptz
             then now()
        else clock_next_fire(excluded.level_due, clocks.level, excluded.state) end,
    updated_at = now()
"""


def _values(c: ClockRow) -> tuple[Any, ...]:
    """The row for COPY, jsonb columns as JSON bytes (orjson writes datetimes in ISO 8601)."""
    return (
        *(getattr(c, name) for name in COLUMNS[:9]),
        orjson.dumps([{"start": s, "end": e} for s, e in c.pauses]),
        orjson.dumps([{"at": at, "amount": n} for at, n in c.extensions]),
        c.policy,
        c.due_at,
        orjson.dumps(c.level_due),
        *(getattr(c, name) for name in COLUMNS[14:]),
    )


_ENCODER = RowEncoder()


def save_clocks(conn: Connection[Any], clocks: Iterable[ClockRow]) -> int:
    """Insert or update clocks by (subject, kind); next_fire_at follows clock_next_fire."""
    rows = [_values(c) for c in clocks]
    if not rows:
        return 0
    conn.execute(
        "create temp table if not exists clocks_stage on commit delete rows as"  # type: ignore[arg-type]
        f" select {', '.join(COLUMNS)} from clocks with no data"
    )
    data = copy_data([_ENCODER.body(rows, [_TYPES.get(c, "text") for c in COLUMNS])])
    with conn.cursor() as cur:
        with cur.copy(
            f"copy clocks_stage ({', '.join(COLUMNS)}) from stdin (format binary)"  # type: ignore[arg-type]
        ) as copy:
            copy.write(data)
        cur.execute(_UPSERT)  # type: ignore[arg-type]
    return len(rows)


def subject_clocks(
    conn: Connection[Any], subject_kind: str, subject_ids: Sequence[str]
) -> list[StoredClock]:
    with conn.cursor(row_factory=class_row(StoredClock)) as cur:
        return cur.execute(
            "select subject_kind, subject_id, clock_kind, start_at, budget, unit, policy, due_at,"
            " level_due, provisional, state, stopped_at, level, next_fire_at, pauses, extensions"
            " from clocks where subject_kind = %s and subject_id = any(%s)"
            " order by subject_id, start_at, clock_kind",
            (subject_kind, list(subject_ids)),
        ).fetchall()
