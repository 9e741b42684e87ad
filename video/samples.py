"""From analysis outcomes to what is stored: presence rows every few seconds per seat, and the
events the alert engine folds (`presence.sample` on every change of a seat's confirmed state and
at least every `every` seconds; `camera.health` on every change of status). Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.enums import CameraStatus, EventKind
from core.events import event_to_row, event_uuid, parse_event
from video.analysis import Outcome
from video.cameras import CameraConfig


def presence_rows(cam: CameraConfig, outcome: Outcome, at: datetime) -> list[tuple[Any, ...]]:
    """(at, camera, window, seat, occupied, score, camera status) per seat; occupied is None
    while unknown, and always None when the camera is not OK."""
    status = outcome.status or CameraStatus.OK
    rows = []
    for s in outcome.seats:
        ok = outcome.status == CameraStatus.OK
        occupied = s.occupied if ok else None
        score = None if s.reading is None else round(s.reading.score, 4)
        rows.append((at, cam.code, cam.window_code, s.seat, occupied, score, status.value))
    return rows


def envelope(cam: CameraConfig, kind: EventKind, at: datetime, payload: dict[str, Any]) -> dict:
    """A validated event (JSON-ready dict) from this camera."""
    raw = {
        "event_id": str(event_uuid("video", cam.code, kind.value, at.isoformat(), payload)),
        "kind": kind.value,
        "occurred_at": at.isoformat(),
        "source": cam.code,
        **{k: v for k, v in cam.place().items() if v is not None},
        "payload": payload,
    }
    return event_to_row(parse_event(raw))


@dataclass
class EventPlan:
    """Remembers what was last reported per camera and seat, to report changes and heartbeats."""

    every: timedelta = timedelta(seconds=60)
    _seats: dict[tuple[str, int], tuple[bool, datetime]] = field(default_factory=dict)
    _status: dict[str, CameraStatus] = field(default_factory=dict)

    def events(self, cam: CameraConfig, outcome: Outcome, at: datetime) -> list[dict]:
        out = []
        if outcome.status is not None and outcome.status != self._status.get(cam.code):
            detail = outcome.change.detail if outcome.change else None
            payload = {"camera_code": cam.code, "status": outcome.status.value, "detail": detail}
            out.append(envelope(cam, EventKind.CAMERA_HEALTH, at, payload))
            self._status[cam.code] = outcome.status
        if outcome.status != CameraStatus.OK or cam.window_code is None:
            return out
        for s in outcome.seats:
            if s.occupied is None or s.reading is None:
                continue
            last = self._seats.get((cam.code, s.seat))
            if last is not None and last[0] == s.occupied and at - last[1] < self.every:
                continue
            payload = {
                "camera_code": cam.code,
                "seat": s.seat,
                "occupied": s.occupied,
                "score": round(min(max(s.reading.score, 0.0), 1.0), 4),
            }
            out.append(envelope(cam, EventKind.PRESENCE_SAMPLE, at, payload))
            self._seats[(cam.code, s.seat)] = (s.occupied, at)
        return out
