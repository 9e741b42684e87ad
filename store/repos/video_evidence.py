"""Video evidence and live views (migration 0040): evidence files with their checksums, the
requests that ask video workers for them (claimed with FOR UPDATE SKIP LOCKED), and the audit of
live views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row

from store.repos import audit


def _get(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, dict) else row[0]


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class Evidence:
    id: int
    kind: str
    path: str
    sha256: str
    bytes: int
    camera_code: str
    window_code: str | None
    alert_id: int | None
    requested_by: str
    reason: str | None
    taken_at: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime


_EVIDENCE = (
    "select id, kind, path, sha256, bytes, camera_code, window_code, alert_id, requested_by,"
    " reason, taken_at, starts_at, ends_at, created_at from evidence"
)


def add_evidence(
    conn: Connection[Any],
    *,
    kind: str,
    path: str,
    sha256: str,
    size: int,
    camera_code: str,
    window_code: str | None,
    requested_by: str,
    taken_at: datetime,
    alert_id: int | None = None,
    reason: str | None = None,
    span: tuple[datetime, datetime] | None = None,
) -> int:
    row = conn.execute(
        "insert into evidence (kind, path, sha256, bytes, camera_code, window_code, alert_id,"
        " requested_by, reason, taken_at, starts_at, ends_at)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
        (
            kind,
            path,
            sha256,
            size,
            camera_code,
            window_code,
            alert_id,
            requested_by,
            reason,
            taken_at,
            span[0] if span else None,
            span[1] if span else None,
        ),
    ).fetchone()
    return int(_get(row, "id"))


def evidence(conn: Connection[Any], evidence_id: int) -> Evidence | None:
    with conn.cursor(row_factory=class_row(Evidence)) as cur:
        return cur.execute(_EVIDENCE + " where id = %s", (evidence_id,)).fetchone()


def evidence_list(
    conn: Connection[Any],
    *,
    window_code: str | None = None,
    alert_id: int | None = None,
    limit: int = 50,
) -> list[Evidence]:
    with conn.cursor(row_factory=class_row(Evidence)) as cur:
        return cur.execute(
            _EVIDENCE + " where (%(w)s::text is null or window_code = %(w)s)"
            " and (%(a)s::bigint is null or alert_id = %(a)s) order by id desc limit %(n)s",
            {"w": window_code, "a": alert_id, "n": limit},
        ).fetchall()


@dataclass(frozen=True, slots=True)
class EvidenceRequest:
    id: int
    camera_code: str
    window_code: str | None
    alert_id: int | None
    kinds: list[str]
    at: datetime
    requested_by: str
    reason: str | None
    attempts: int


def request_evidence(
    conn: Connection[Any],
    *,
    camera_code: str,
    window_code: str | None,
    at: datetime,
    requested_by: str,
    kinds: Sequence[str] = ("snapshot", "clip"),
    alert_id: int | None = None,
    reason: str | None = None,
) -> int | None:
    """Ask the video workers for evidence of `at`; one request per alert (None if repeated)."""
    row = conn.execute(
        "insert into evidence_requests (camera_code, window_code, alert_id, kinds, at, due_at,"
        " requested_by, reason) values (%s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (alert_id) where alert_id is not null do nothing returning id",
        (camera_code, window_code, alert_id, list(kinds), at, at, requested_by, reason),
    ).fetchone()
    return None if row is None else int(_get(row, "id"))


def request_alert_evidence(conn: Connection[Any], since: datetime) -> int:
    """A snapshot and a clip for every alert about a window with a camera, raised since
    `since` (one request per alert, whoever asks first)."""
    cur = conn.execute(
        "insert into evidence_requests (camera_code, window_code, alert_id, kinds, at, due_at,"
        " requested_by, reason) select distinct on (a.id) k.code, a.window_code, a.id,"
        " '{snapshot,clip}', a.created_at, a.created_at, 'alerts', a.rule from alerts a"
        " join cameras k on k.window_code = a.window_code and k.enabled"
        " where a.created_at >= %s and a.window_code is not null order by a.id, k.code"
        " on conflict (alert_id) where alert_id is not null do nothing",
        (since,),
    )
    return cur.rowcount


def claim_evidence_requests(
    conn: Connection[Any],
    cameras: Sequence[str],
    now: datetime,
    lease_s: int = 120,
    limit: int = 10,
) -> list[EvidenceRequest]:
    """Claim due requests for `cameras` (a lease: due_at moves `lease_s` ahead, attempts + 1)."""
    with conn.cursor(row_factory=class_row(EvidenceRequest)) as cur:
        return cur.execute(
            "update evidence_requests r set due_at = %(now)s + make_interval(secs => %(lease)s),"
            " attempts = attempts + 1 where id in (select id from evidence_requests"
            " where status = 'pending' and due_at <= %(now)s and camera_code = any(%(cams)s)"
            " order by due_at limit %(n)s for update skip locked)"
            " returning id, camera_code, window_code, alert_id, kinds, at, requested_by, reason,"
            " attempts",
            {"now": now, "lease": lease_s, "cams": list(cameras), "n": limit},
        ).fetchall()


def defer_request(
    conn: Connection[Any], request_id: int, until: datetime, kinds: Sequence[str]
) -> None:
    """Not all possible yet (a clip's end is still in the future): `kinds` are left to do,
    at `until`; the attempt does not count."""
    conn.execute(
        "update evidence_requests set due_at = %s, kinds = %s, attempts = attempts - 1"
        " where id = %s",
        (until, list(kinds), request_id),
    )


def finish_request(
    conn: Connection[Any], request_id: int, error: str | None = None, give_up: bool = True
) -> None:
    status = "done" if error is None else ("failed" if give_up else "pending")
    conn.execute(
        "update evidence_requests set status = %s, error = %s,"
        " done_at = case when %s <> 'pending' then now() end where id = %s",
        (status, error, status, request_id),
    )


# ---------------------------------------------------------------- live views


def start_view(
    conn: Connection[Any], username: str, camera_code: str, mode: str, region_code: str | None
) -> int:
    row = conn.execute(
        "insert into video_views (username, camera_code, mode, region_code)"
        " values (%s, %s, %s, %s) returning id",
        (username, camera_code, mode, region_code),
    ).fetchone()
    return int(_get(row, "id"))


def end_view(conn: Connection[Any], view_id: int) -> None:
    """Close the view and write it to the audit log (who, which camera, from when to when)."""
    with conn.transaction():
        row = conn.execute(
            "update video_views set ended_at = now() where id = %s and ended_at is null"
            " returning username, camera_code, mode, region_code, started_at, ended_at",
            (view_id,),
        ).fetchone()
        if row is None:
            return
        r = (
            row
            if isinstance(row, dict)
            else dict(
                zip(
                    ("username", "camera_code", "mode", "region_code", "started_at", "ended_at"),
                    row,
                    strict=True,
                )
            )
        )
        audit.write(
            conn,
            r["username"],
            "video.view",
            r["camera_code"],
            r["region_code"],
            view_id=view_id,
            mode=r["mode"],
            started_at=r["started_at"].isoformat(),
            ended_at=r["ended_at"].isoformat(),
            seconds=round((r["ended_at"] - r["started_at"]).total_seconds(), 1),
        )


def views(
    conn: Connection[Any], *, camera_code: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select id, username, camera_code, mode, started_at, ended_at from video_views"
            " where (%(c)s::text is null or camera_code = %(c)s) order by id desc limit %(n)s",
            {"c": camera_code, "n": limit},
        ).fetchall()
