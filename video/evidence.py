"""Evidence: JPEG snapshots (privacy masks painted out, SHA-256 for the row) and clips cut from a
ring buffer of the camera's encoded packets, written as MP4 without re-encoding.

The ring keeps the last `seconds` of packets as they came off the wire, always starting at a
keyframe so any cut decodes. A clip around an alert is the packets from the last keyframe at or
before `start` up to `end`, remuxed with the stream's own codec parameters."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import av
import cv2
import numpy as np

from video.geometry import Polygon


class EvidenceError(RuntimeError):
    """Evidence could not be produced (no picture yet, nothing buffered for that time)."""


@dataclass(frozen=True, slots=True)
class Stored:
    path: Path
    sha256: str
    size: int


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def evidence_path(root: Path, camera: str, at: datetime, kind: str, ext: str) -> Path:
    """<root>/YYYY/MM/DD/<camera>-<HHMMSS.ffffff>-<kind>.<ext> (UTC)."""
    day = root / f"{at:%Y}" / f"{at:%m}" / f"{at:%d}"
    return day / f"{camera}-{at:%H%M%S.%f}-{kind}.{ext}"


def mask_privacy(image: np.ndarray, masks: Sequence[Polygon]) -> np.ndarray:
    """A copy of `image` with every privacy polygon painted black (coordinates in its pixels)."""
    if not masks:
        return image
    out = image.copy()
    cv2.fillPoly(out, [np.asarray(m, np.int32) for m in masks], (0, 0, 0))
    return out


def write_snapshot(
    image: np.ndarray, path: Path, masks: Sequence[Polygon] = (), quality: int = 85
) -> Stored:
    ok, jpeg = cv2.imencode(".jpg", mask_privacy(image, masks), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise EvidenceError("JPEG encoding failed")
    data = jpeg.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Stored(path, hashlib.sha256(data).hexdigest(), len(data))


@dataclass(slots=True)
class _Held:
    packet: av.Packet
    at: float  # wall-clock POSIX seconds when it arrived
    key: bool
    template: av.video.stream.VideoStream


class PacketRing:
    """The last `seconds` of one camera's encoded packets, thread-safe (the capture thread
    pushes, the evidence writer reads)."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._held: deque[_Held] = deque()
        self._lock = threading.Lock()
        self._template: av.video.stream.VideoStream | None = None
        self._holder: av.container.OutputContainer | None = None
        self._source: object | None = None

    def _template_for(self, stream: av.video.stream.VideoStream) -> av.video.stream.VideoStream:
        """Codec parameters copied once per input stream into a stream that outlives it (an
        input stream's parameters die with its container when the camera reconnects)."""
        if self._source is not stream or self._template is None:
            self._holder = av.open(io.BytesIO(), "w", format="mp4")
            self._template = self._holder.add_stream_from_template(stream)
            self._source = stream
        return self._template

    def push(self, packet: av.Packet, stream: av.video.stream.VideoStream, at: float) -> None:
        with self._lock:
            template = self._template_for(stream)
            if not self._held and not packet.is_keyframe:
                return  # a ring always starts at a keyframe
            self._held.append(_Held(packet, at, bool(packet.is_keyframe), template))
            self._trim(at)

    def _trim(self, now: float) -> None:
        held = self._held
        while held and now - held[0].at > self.seconds:
            held.popleft()
            while held and not held[0].key:
                held.popleft()

    def __len__(self) -> int:
        return len(self._held)

    def span(self) -> tuple[float, float] | None:
        with self._lock:
            return (self._held[0].at, self._held[-1].at) if self._held else None

    def cut(self, start: float, end: float) -> list[_Held]:
        """Packets from the last keyframe at or before `start` to `end` (one template only)."""
        with self._lock:
            held = list(self._held)
        first = 0
        for i, h in enumerate(held):
            if h.at > start:
                break
            if h.key:
                first = i
        chosen = [h for h in held[first:] if h.at <= end]
        if not chosen:
            raise EvidenceError("no packets buffered for that time")
        template = chosen[-1].template
        return [h for h in chosen if h.template is template]


def write_clip(held: Sequence[_Held], path: Path) -> Stored:
    """Remux `held` packets into an MP4 at `path` (timestamps from zero, no re-encoding)."""
    if not held:
        raise EvidenceError("empty clip")
    path.parent.mkdir(parents=True, exist_ok=True)
    first = held[0].packet
    zero = first.dts if first.dts is not None else 0
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream_from_template(held[0].template)
        for h in held:
            p = h.packet
            copy = av.Packet(bytes(p))
            copy.pts = None if p.pts is None else p.pts - zero
            copy.dts = None if p.dts is None else p.dts - zero
            copy.time_base = p.time_base
            copy.is_keyframe = p.is_keyframe
            copy.stream = stream
            out.mux(copy)
    return Stored(path, sha256_file(path), path.stat().st_size)
