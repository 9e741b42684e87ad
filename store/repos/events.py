"""The events table: the batched writer's SQL (binary COPY, de-duplication through `event_ids`)
and the reads of the projector and the console (a tail by id, a subject's events).

Every writer of `events` goes through `lock_writes` + `copy_new_events` / `copy_new_only` in one
transaction. The lock makes ids be allocated and become visible in commit order, so a reader that
has seen id N will never see an id below N appear later (the projector's tail relies on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from psycopg import Connection, postgres
from psycopg._copy_base import format_row_binary
from psycopg.adapt import AdaptersMap, Dumper, Transformer
from psycopg.pq import Format
from psycopg.rows import scalar_row
from psycopg.types.json import Jsonb

WRITE_LOCK = 0x4857_4556  # "HWEV": one batch writer at a time, ids in commit order
NOTIFY_CHANNEL = "hallwatch_events"

EVENT_COLUMNS = (
    "event_id",
    "kind",
    "occurred_at",
    "source",
    "region_code",
    "center_code",
    "department_code",
    "window_code",
    "case_no",
    "staff_id",
    "payload",
)
EVENT_TYPES = ("uuid", "text", "timestamptz", *("text",) * 7, "jsonb")
_COLS = ", ".join(EVENT_COLUMNS)
_COPY_EVENTS = f"copy events ({_COLS}) from stdin (format binary)"
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # header of the binary COPY format
_TRAILER = b"\xff\xff"

# An events row: (event_id, kind, occurred_at, source, region_code, center_code,
# department_code, window_code, case_no, staff_id, payload JSON as RawJson bytes)
EventTuple = tuple[Any, ...]


class RawJson(bytes):
    """JSON text that is already serialised: written to a jsonb column as is (so are plain
    bytes, in a row given to RowEncoder)."""


class _RawJsonbDumper(Dumper):
    """jsonb in binary COPY with fixed types: bytes as they are (JSON text already), anything
    else through orjson."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        if isinstance(obj, bytes):
            return b"\x01" + obj  # jsonb binary format: version 1, then the text
        return b"\x01" + orjson.dumps(obj.obj if isinstance(obj, Jsonb) else obj)


class _Context:
    """An adaptation context without a connection (what psycopg's Transformer needs)."""

    def __init__(self, adapters: AdaptersMap) -> None:
        self.adapters = adapters
        self.connection = None


class RowEncoder:
    """Encodes rows in PostgreSQL's binary COPY format without a connection, so any thread or
    worker process can do it while the writer's connection is busy. The bodies (no header, no
    trailer) of several batches concatenate into one COPY (see `copy_data`).

    It calls psycopg's own row formatter (`psycopg._copy_base.format_row_binary`, the C one
    with psycopg-binary); the public `Copy(cursor, writer=FileWriter(...))` does the same with
    more overhead per row and needs a cursor of a connection."""

    def __init__(self) -> None:
        self._adapters = AdaptersMap(postgres.adapters)
        self._adapters.register_dumper(RawJson, _RawJsonbDumper)
        self._context = _Context(self._adapters)

    def body(self, rows: Iterable[Sequence[Any]], types: Sequence[str]) -> bytes:
        tx = Transformer(self._context)  # type: ignore[arg-type]
        tx.set_dumper_types([self._adapters.types[t].oid for t in types], Format.BINARY)
        out = bytearray()
        for row in rows:
            format_row_binary(row, tx, out)
        return bytes(out)

    def events(self, rows: Iterable[EventTuple]) -> bytes:
        return self.body(rows, EVENT_TYPES)


_ENCODER = RowEncoder()


def accept_raw_json(conn: Connection[Any]) -> None:
    """Let a connection's binary COPY with fixed types take JSON bytes for jsonb columns."""
    conn.adapters.register_dumper(RawJson, _RawJsonbDumper)


def copy_data(bodies: Iterable[bytes]) -> bytes:
    return _SIGNATURE + b"".join(bodies) + _TRAILER


# ---------------------------------------------------------------- writes


def lock_writes(conn: Connection[Any]) -> None:
    """Take the write lock and queue the NOTIFY that the commit will deliver (one round trip)."""
    conn.execute(
        "select pg_advisory_xact_lock(%s), pg_notify(%s, '')", (WRITE_LOCK, NOTIFY_CHANNEL)
    )


def copy_new_events(conn: Connection[Any], event_data: bytes) -> None:
    """Fast path, inside the writer's transaction: COPY the events, then record their ids in
    `event_ids` from the rows this transaction wrote, found by `xid` through its index (as cheap
    for the database as a second COPY, and the producers no longer encode the ids: 0.65 µs of
    Python per event). Raises UniqueViolation if any id was seen before (the caller
    then takes `copy_new_only`)."""
    with conn.cursor() as cur:
        with cur.copy(_COPY_EVENTS) as copy:
            copy.write(event_data)
        cur.execute(_IDS_OF_THIS_TRANSACTION)


_IDS_OF_THIS_TRANSACTION = """
insert into event_ids (event_id, occurred_at)
select event_id, occurred_at from events where xid = pg_current_xact_id()
"""

_INSERT_NEW = f"""
with new as (
    insert into event_ids (event_id, occurred_at)
    select distinct on (event_id) event_id, occurred_at from events_stage order by event_id
    on conflict do nothing returning event_id
)
insert into events ({_COLS})
select distinct on (s.event_id) {", ".join("s." + c for c in EVENT_COLUMNS)}
from events_stage s join new using (event_id) order by s.event_id
returning event_id
"""


def copy_new_only(conn: Connection[Any], event_data: bytes) -> set[UUID]:
    """Slow path (a batch holding repeats): stage the rows, store the first of each id not seen
    before; returns the ids stored."""
    conn.execute(
        "create temp table if not exists events_stage on commit delete rows as"  # type: ignore[arg-type]
        f" select {_COLS} from events with no data"
    )
    stage = f"copy events_stage ({_COLS}) from stdin (format binary)"
    with conn.cursor() as cur, cur.copy(stage) as copy:  # type: ignore[arg-type]
        copy.write(event_data)
    with conn.cursor(row_factory=scalar_row) as cur:
        new = set(cur.execute(_INSERT_NEW).fetchall())  # type: ignore[arg-type]
        cur.execute("truncate events_stage")
    return new


def insert_events(conn: Connection[Any], events: Sequence[Mapping[str, Any]]) -> int:
    """Write validated events given as JSON-ready dicts (`core.events.event_to_row`) the way
    every writer of `events` must: under the write lock, each event_id once (small batches from
    in-process producers such as the video worker; sources go through the ingest writer).
    Returns how many were new."""
    if not events:
        return 0
    rows = [
        (
            UUID(str(e["event_id"])),
            e["kind"],
            datetime.fromisoformat(str(e["occurred_at"])),
            *(e.get(column) for column in EVENT_COLUMNS[3:-1]),
            orjson.dumps(e["payload"]),
        )
        for e in events
    ]
    with conn.transaction():
        lock_writes(conn)
        return len(copy_new_only(conn, copy_data([_ENCODER.events(rows)])))


# ---------------------------------------------------------------- reads


class EventRow(NamedTuple):
    """One stored event (a tuple: the projector reads tens of thousands per batch)."""

    id: int
    event_id: UUID
    kind: str
    occurred_at: datetime
    received_at: datetime
    source: str
    region_code: str
    center_code: str
    department_code: str | None
    window_code: str | None
    case_no: str | None
    staff_id: str | None
    payload: dict[str, Any]


_SELECT = (
    "select id, event_id, kind, occurred_at, received_at, source, region_code, center_code,"
    " department_code, window_code, case_no, staff_id, payload from events"
)


def _event_rows(cursor: Any) -> Any:
    return EventRow._make


def _rows(conn: Connection[Any], sql: str, params: Sequence[Any]) -> list[EventRow]:
    with conn.cursor(row_factory=_event_rows) as cur:
        return cur.execute(sql, params).fetchall()  # type: ignore[arg-type, no-any-return]


def events_after(conn: Connection[Any], position: int, limit: int) -> list[EventRow]:
    """The events with id > position, in id order (= commit order, see WRITE_LOCK)."""
    return _rows(conn, _SELECT + " where id > %s order by id limit %s", (position, limit))


def last_id(conn: Connection[Any]) -> int:
    with conn.cursor(row_factory=scalar_row) as cur:
        return int(cur.execute("select coalesce(max(id), 0) from events").fetchone() or 0)


def case_events(conn: Connection[Any], case_nos: Sequence[str]) -> list[EventRow]:
    """Every event of these cases, by case, time and id."""
    return _rows(
        conn,
        _SELECT + " where case_no = any(%s) order by case_no, occurred_at, id",
        (list(case_nos),),
    )


def complaint_events(conn: Connection[Any], numbers: Sequence[str]) -> list[EventRow]:
    return _rows(
        conn,
        _SELECT + " where kind like 'complaint.%%' and payload ->> 'complaint_no' = any(%s)"
        " order by payload ->> 'complaint_no', occurred_at, id",
        (list(numbers),),
    )


def count(conn: Connection[Any]) -> int:
    with conn.cursor(row_factory=scalar_row) as cur:
        return int(cur.execute("select count(*) from events").fetchone() or 0)
