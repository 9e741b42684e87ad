"""Folding events into the small state the window, queue and feed rules need. Pure: the engine
keeps the folded values in `alert_windows` / `alert_tickets` / `alert_feeds`, the replay keeps
them in memory, both fold with these functions.

Window seat: an occupied sample clears the absence; the first empty sample after an occupied
one (or after the camera came back) starts it. A/B staff share the seat, so whoever sits counts.
A sample older than the last one is ignored (late or out-of-order delivery). When the camera
recovers from a fault the seat is unknown until the next sample: nothing seen during a fault
counts as an absence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from core.enums import CameraStatus, EventKind


@dataclass(frozen=True, slots=True)
class SeatFold:
    occupied: bool | None = None
    empty_since: datetime | None = None
    last_sample_at: datetime | None = None
    camera_status: CameraStatus = CameraStatus.OK
    camera_since: datetime | None = None


def fold_presence(s: SeatFold, at: datetime, occupied: bool) -> SeatFold:
    if s.last_sample_at is not None and at < s.last_sample_at:
        return s
    if occupied:
        return SeatFold(True, None, at, s.camera_status, s.camera_since)
    since = s.empty_since if s.occupied is False and s.empty_since is not None else at
    return SeatFold(False, since, at, s.camera_status, s.camera_since)


def fold_camera(s: SeatFold, at: datetime, status: CameraStatus) -> SeatFold:
    if s.camera_since is not None and at < s.camera_since:
        return s
    if status == s.camera_status:
        return s
    if status == CameraStatus.OK:
        return replace(s, camera_status=status, camera_since=at, occupied=None, empty_since=None)
    return replace(s, camera_status=status, camera_since=at)


def fold_window_event(s: SeatFold, kind: str, at: datetime, payload: Mapping[str, Any]) -> SeatFold:
    if kind == EventKind.PRESENCE_SAMPLE:
        return fold_presence(s, at, bool(payload.get("occupied")))
    if kind == EventKind.CAMERA_HEALTH:
        return fold_camera(s, at, CameraStatus(str(payload.get("status", "ok"))))
    return s


def seat_unchanged(a: SeatFold, b: SeatFold) -> bool:
    """Nothing a rule looks at changed (only the time of the last sample)."""
    return (a.occupied, a.empty_since, a.camera_status, a.camera_since) == (
        b.occupied,
        b.empty_since,
        b.camera_status,
        b.camera_since,
    )


def ticket_key(center_code: str, local_day: date, ticket_no: str) -> str:
    """Ticket numbers restart every day: the key is centre / local date / number."""
    return f"{center_code}/{local_day.isoformat()}/{ticket_no}"
