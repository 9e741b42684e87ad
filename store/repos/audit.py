"""The audit log: who did what, when, to which subject (kept at least 6 months)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row
from psycopg.types.json import Jsonb


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    region_code: str | None
    detail: dict[str, Any]


def write(
    conn: Connection[Any],
    actor: str,
    action: str,
    subject: str | None = None,
    region_code: str | None = None,
    **detail: Any,
) -> None:
    conn.execute(
        "insert into audit_log (actor, action, subject, region_code, detail)"
        " values (%s, %s, %s, %s, %s)",
        (actor, action, subject, region_code, Jsonb(detail)),
    )


def recent(
    conn: Connection[Any], *, actor: str | None = None, action: str | None = None, limit: int = 100
) -> list[AuditEntry]:
    with conn.cursor(row_factory=class_row(AuditEntry)) as cur:
        return cur.execute(
            "select id, at, actor, action, subject, region_code, detail from audit_log"
            " where (%(actor)s::text is null or actor = %(actor)s)"
            "   and (%(action)s::text is null or action = %(action)s)"
            " order by id desc limit %(limit)s",
            {"actor": actor, "action": action, "limit": limit},
        ).fetchall()
