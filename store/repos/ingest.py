"""Ingest's own tables: dead letters, API keys, projector cursors, and the reference look-ups
the validator needs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.copy import Copy, FileWriter
from psycopg.rows import class_row, scalar_row, tuple_row
from psycopg.types.json import Jsonb

# ---------------------------------------------------------------- dead letters


@dataclass(frozen=True, slots=True)
class DeadLetterIn:
    source: str
    reason: str
    problems: list[dict[str, Any]]
    raw: bytes


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    received_at: datetime
    source: str
    reason: str
    problems: list[dict[str, Any]]
    raw: bytes
    replayed_at: datetime | None
    replay_result: str | None


_DL_COPY = "copy dead_letters (source, reason, problems, raw) from stdin (format binary)"


def add_dead_letters(conn: Connection[Any], letters: Sequence[DeadLetterIn]) -> None:
    """Keep refused inputs (in the caller's transaction), raw bytes and all."""
    if not letters:
        return
    buf = io.BytesIO()
    with conn.cursor() as cur:
        with Copy(cur, binary=True, writer=FileWriter(buf)) as fmt:
            fmt.set_types(["text", "text", "jsonb", "bytea"])
            for d in letters:
                fmt.write_row((d.source, d.reason, Jsonb(d.problems), d.raw))
        with cur.copy(_DL_COPY) as copy:
            copy.write(buf.getvalue())


def dead_letters(
    conn: Connection[Any],
    *,
    pending: bool = False,
    source: str | None = None,
    ids: Sequence[int] | None = None,
    limit: int = 100,
) -> list[DeadLetter]:
    """Newest first; `pending`: not yet replayed successfully."""
    with conn.cursor(row_factory=class_row(DeadLetter)) as cur:
        return cur.execute(
            "select id, received_at, source, reason, problems, raw, replayed_at, replay_result"
            " from dead_letters"
            " where (not %(pending)s or replay_result is null"
            "        or replay_result not in ('accepted', 'duplicate'))"
            "   and (%(source)s::text is null or source like %(source)s || '%%')"
            "   and (%(ids)s::bigint[] is null or id = any(%(ids)s))"
            " order by id desc limit %(limit)s",
            {"pending": pending, "source": source, "ids": ids, "limit": limit},
        ).fetchall()


def mark_replayed(conn: Connection[Any], dead_letter_id: int, result: str) -> None:
    conn.execute(
        "update dead_letters set replayed_at = now(), replay_result = %s where id = %s",
        (result[:500], dead_letter_id),
    )


def count_dead_letters(conn: Connection[Any]) -> int:
    return int(_scalar(conn, "select count(*) from dead_letters"))


# ---------------------------------------------------------------- API keys


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    prefix: str
    name: str
    source: str
    region_code: str
    center_code: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_KEY_COLUMNS = (
    "id, prefix, name, source, region_code, center_code, created_at, last_used_at, revoked_at"
)


def add_api_key(
    conn: Connection[Any],
    *,
    prefix: str,
    key_hash: str,
    name: str,
    source: str,
    region_code: str,
    center_code: str | None,
    created_by: str = "system",
) -> ApiKey:
    with conn.cursor(row_factory=class_row(ApiKey)) as cur:
        row = cur.execute(
            "insert into api_keys (prefix, key_hash, name, source, region_code, center_code,"
            f" created_by) values (%s, %s, %s, %s, %s, %s, %s) returning {_KEY_COLUMNS}",
            (prefix, key_hash, name, source, region_code, center_code, created_by),
        ).fetchone()
    assert row is not None
    return row


def api_key_by_hash(conn: Connection[Any], key_hash: str) -> ApiKey | None:
    """An active key by the hash of its secret; marks it used."""
    with conn.cursor(row_factory=class_row(ApiKey)) as cur:
        return cur.execute(
            "update api_keys set last_used_at = now() where key_hash = %s and revoked_at is null"
            f" returning {_KEY_COLUMNS}",
            (key_hash,),
        ).fetchone()


def api_keys(conn: Connection[Any]) -> list[ApiKey]:
    with conn.cursor(row_factory=class_row(ApiKey)) as cur:
        return cur.execute(f"select {_KEY_COLUMNS} from api_keys order by id").fetchall()


def revoke_api_key(conn: Connection[Any], prefix: str) -> bool:
    cur = conn.execute(
        "update api_keys set revoked_at = now() where prefix = %s and revoked_at is null",
        (prefix,),
    )
    return cur.rowcount == 1


# ---------------------------------------------------------------- projector cursors


def try_lock(conn: Connection[Any], key: int) -> bool:
    """A transaction-scoped advisory lock, without waiting."""
    return bool(_scalar(conn, "select pg_try_advisory_xact_lock(%s)", (key,)))


PROJECTIONS_CURSOR = "ingest.projections"  # how far the projector has folded `events` (by id)


def cursor_position(conn: Connection[Any], name: str) -> int:
    conn.execute(
        "insert into projector_cursors (name) values (%s) on conflict (name) do nothing", (name,)
    )
    return int(_scalar(conn, "select position from projector_cursors where name = %s", (name,)))


def set_cursor_position(conn: Connection[Any], name: str, position: int) -> None:
    conn.execute(
        "update projector_cursors set position = %s, updated_at = now() where name = %s",
        (position, name),
    )


# ---------------------------------------------------------------- reference look-ups


def reference_codes(
    conn: Connection[Any],
) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]:
    """(centre → region, department → centre, window → (centre, department))."""
    centers = {r[0]: r[1] for r in _tuples(conn, "select code, region_code from centers")}
    departments = {r[0]: r[1] for r in _tuples(conn, "select code, center_code from departments")}
    windows = {
        r[0]: (r[1], r[2])
        for r in _tuples(conn, "select code, center_code, department_code from windows")
    }
    return centers, departments, windows


def _tuples(conn: Connection[Any], sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor(row_factory=tuple_row) as cur:
        return cur.execute(sql).fetchall()  # type: ignore[arg-type]


def _scalar(conn: Connection[Any], sql: str, params: tuple[Any, ...] = ()) -> Any:
    with conn.cursor(row_factory=scalar_row) as cur:
        return cur.execute(sql, params).fetchone()  # type: ignore[arg-type]


def center_schedules(conn: Connection[Any]) -> dict[str, tuple[str, Any]]:
    """centre → (region_code, schedule jsonb)."""
    return {
        r[0]: (r[1], r[2]) for r in _tuples(conn, "select code, region_code, schedule from centers")
    }


def matter_days(conn: Connection[Any]) -> dict[str, tuple[int, int]]:
    """matter → (promised_days, legal_days) from the catalogue."""
    rows = _tuples(conn, "select code, promised_days, legal_days from matters")
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def case_policies(conn: Connection[Any]) -> dict[tuple[str, str], str]:
    """(scope 'center'|'matter', code) → warning-policy preset of the promised-deadline rule,
    from the alert engine's `alert_policies` table when it exists."""
    if _scalar(conn, "select to_regclass('public.alert_policies') is null"):
        return {}
    rows = _tuples(
        conn,
        "select scope, code, preset from alert_policies where rule = 'case.promised_deadline'",
    )
    return {(r[0], r[1]): r[2] for r in rows}
