"""Video (migrations 0040, 0053): camera settings and calibrations, presence samples, camera
events, and where each centre's video service is (a hall's edge box, or the console's own)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row, scalar_row
from psycopg.types.json import Jsonb

from store.repos import audit


@dataclass(frozen=True, slots=True)
class CameraRow:
    code: str
    name: str
    center_code: str
    region_code: str
    window_code: str | None
    department_code: str | None
    url: str
    sub_url: str | None
    seat_regions: list[list[list[int]]]
    privacy_masks: list[list[list[int]]]
    live_mode: str
    analysis_fps: float
    enabled: bool
    video_url: str | None = None  # the centre's video service; None: the console's own


_CAMERAS = (
    "select k.code, k.name, k.center_code, c.region_code, k.window_code, w.department_code,"
    " k.url, k.sub_url, k.seat_regions, k.privacy_masks, k.live_mode, k.analysis_fps, k.enabled,"
    " c.video_url"
    " from cameras k join centers c on c.code = k.center_code"
    " left join windows w on w.code = k.window_code"
)


def cameras(
    conn: Connection[Any],
    *,
    center_code: str | None = None,
    region_prefix: str = "",
    department_code: str | None = None,
    enabled_only: bool = False,
) -> list[CameraRow]:
    with conn.cursor(row_factory=class_row(CameraRow)) as cur:
        return cur.execute(
            _CAMERAS + " where c.region_code like %(prefix)s"
            " and (%(center)s::text is null or k.center_code = %(center)s)"
            " and (%(dept)s::text is null or w.department_code = %(dept)s)"
            " and (not %(enabled)s or k.enabled) order by w.position, k.window_code, k.code",
            {
                "prefix": region_prefix + "%",
                "center": center_code,
                "dept": department_code,
                "enabled": enabled_only,
            },
        ).fetchall()


def camera(conn: Connection[Any], code: str) -> CameraRow | None:
    with conn.cursor(row_factory=class_row(CameraRow)) as cur:
        return cur.execute(_CAMERAS + " where k.code = %s", (code,)).fetchone()


def save_camera(
    conn: Connection[Any],
    code: str,
    *,
    center_code: str,
    window_code: str | None,
    name: str,
    url: str,
    sub_url: str | None = None,
    live_mode: str = "auto",
    analysis_fps: float = 1.0,
    enabled: bool = True,
) -> None:
    """Add a camera to the registry or change its stream settings."""
    conn.execute(
        "insert into cameras (code, center_code, window_code, name, url, sub_url, live_mode,"
        " analysis_fps, enabled) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " on conflict (code) do update set window_code = excluded.window_code,"
        " name = excluded.name, url = excluded.url, sub_url = excluded.sub_url,"
        " live_mode = excluded.live_mode, analysis_fps = excluded.analysis_fps,"
        " enabled = excluded.enabled, updated_at = now()",
        (code, center_code, window_code, name, url, sub_url, live_mode, analysis_fps, enabled),
    )


def save_regions(
    conn: Connection[Any],
    code: str,
    seat_regions: Sequence[Sequence[Sequence[int]]],
    privacy_masks: Sequence[Sequence[Sequence[int]]],
) -> None:
    conn.execute(
        "update cameras set seat_regions = %s, privacy_masks = %s, updated_at = now()"
        " where code = %s",
        (
            Jsonb([list(map(list, p)) for p in seat_regions]),
            Jsonb([list(map(list, p)) for p in privacy_masks]),
            code,
        ),
    )


def settings_version(conn: Connection[Any]) -> datetime | None:
    """When any camera's settings last changed (the worker reloads when this moves)."""
    row = conn.execute("select max(updated_at) as v from cameras").fetchone()
    return None if row is None else _get(row, "v")


def _get(row: Any, key: str) -> Any:
    return row[key] if isinstance(row, dict) else row[0]


@dataclass(frozen=True, slots=True)
class Calibration:
    id: int
    camera_code: str
    path: str
    sha256: str
    width: int
    height: int
    created_by: str
    created_at: datetime


def add_calibration(
    conn: Connection[Any], camera_code: str, path: str, sha256: str, size: tuple[int, int], by: str
) -> int:
    row = conn.execute(
        "insert into camera_calibrations (camera_code, path, sha256, width, height, created_by)"
        " values (%s, %s, %s, %s, %s, %s) returning id",
        (camera_code, path, sha256, size[0], size[1], by),
    ).fetchone()
    conn.execute("update cameras set updated_at = now() where code = %s", (camera_code,))
    return int(_get(row, "id"))


def latest_calibration(conn: Connection[Any], camera_code: str) -> Calibration | None:
    with conn.cursor(row_factory=class_row(Calibration)) as cur:
        return cur.execute(
            "select id, camera_code, path, sha256, width, height, created_by, created_at"
            " from camera_calibrations where camera_code = %s order by id desc limit 1",
            (camera_code,),
        ).fetchone()


# ---------------------------------------------------------------- each centre's video service


@dataclass(frozen=True, slots=True)
class CenterVideo:
    code: str
    name: str
    region_code: str
    video_url: str | None  # None: the console's own video service


def center_videos(conn: Connection[Any], region_prefix: str = "") -> list[CenterVideo]:
    with conn.cursor(row_factory=class_row(CenterVideo)) as cur:
        return cur.execute(
            "select code, name, region_code, video_url from centers"
            " where region_code like %s order by code",
            (region_prefix + "%",),
        ).fetchall()


def center_video_url(conn: Connection[Any], center_code: str) -> str | None:
    row = conn.execute("select video_url from centers where code = %s", (center_code,)).fetchone()
    return None if row is None else _get(row, "video_url")


def set_center_video_url(
    conn: Connection[Any], center_code: str, url: str | None, *, actor: str
) -> CenterVideo | None:
    """Point a centre's cameras at the video service at `url` (None: the console's own), with
    the change in the audit log (nothing when it is unchanged). Returns the centre as it was
    before, or None when there is no such centre."""
    with conn.transaction():
        with conn.cursor(row_factory=class_row(CenterVideo)) as cur:
            before = cur.execute(
                "select code, name, region_code, video_url from centers where code = %s for update",
                (center_code,),
            ).fetchone()
        if before is None or before.video_url == url:
            return before
        conn.execute("update centers set video_url = %s where code = %s", (url, center_code))
        audit.write(
            conn, actor, "video.center_url", center_code, before.region_code,
            url=url, previous=before.video_url,
        )  # fmt: skip
    return before


# ---------------------------------------------------------------- presence and camera events

PRESENCE_COLUMNS = (
    "at",
    "camera_code",
    "window_code",
    "seat",
    "occupied",
    "score",
    "camera_status",
)


def write_presence(conn: Connection[Any], rows: Iterable[Sequence[Any]]) -> int:
    """COPY presence samples: (at, camera_code, window_code, seat, occupied, score, status)."""
    n = 0
    with (
        conn.cursor() as cur,
        cur.copy(
            f"copy presence_samples ({', '.join(PRESENCE_COLUMNS)}) from stdin"  # type: ignore[arg-type]
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def latest_presence(conn: Connection[Any]) -> datetime | None:
    """When the newest presence sample was taken (None: there is none)."""
    with conn.cursor(row_factory=scalar_row) as cur:
        return cur.execute("select max(at) from presence_samples").fetchone()  # type: ignore[no-any-return]


def purge_presence(conn: Connection[Any], before: datetime) -> int:
    cur = conn.execute("delete from presence_samples where at < %s", (before,))
    return cur.rowcount


def presence_between(
    conn: Connection[Any], window_code: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select at, camera_code, seat, occupied, score, camera_status from presence_samples"
            " where window_code = %s and at >= %s and at < %s order by at, seat",
            (window_code, start, end),
        ).fetchall()
