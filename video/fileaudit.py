"""Presence on a video file, for calibration and audits: the same detectors and hysteresis the
worker runs, sampled at `fps` per second of video, with the empty-seat reference taken from the
picture at `empty_at` seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from video.capture import frame_at, iter_file
from video.geometry import ANALYSIS_WIDTH, Polygon, View
from video.presence import Reading, ReferenceDetector, SeatWatch


class DetectorName(StrEnum):
    REFERENCE = "reference"
    SEGMENTATION = "segmentation"
    BOTH = "both"  # occupied when either says so


@dataclass(frozen=True, slots=True)
class Row:
    t_seconds: float
    occupied: bool
    score: float


def presence_rows(
    path: Path | str,
    seat: Polygon,
    *,
    empty_at: float = 0.0,
    fps: float = 1.0,
    detector: DetectorName = DetectorName.REFERENCE,
    confirm: int = 1,
    width: int = ANALYSIS_WIDTH,
    light: Callable[[np.ndarray, float], np.ndarray] | None = None,
) -> Iterator[Row]:
    """One row per sample: the confirmed state when known (else the raw reading) and the score.
    `light(image, t)` changes the pictures after the reference was taken (lighting tests)."""
    empty_small, empty_full = frame_at(path, empty_at, width)
    h, w = empty_full.shape[:2]
    view = View((w, h), [seat])
    reference = ReferenceDetector(view)
    reference.calibrate(empty_small)
    segmenter = None
    if detector != DetectorName.REFERENCE:
        from video.segmentation import SegmentationDetector

        segmenter = SegmentationDetector(view)
    need_full = segmenter is not None
    watch = SeatWatch(reference, confirm=confirm)
    for t, small, full in iter_file(path, fps, width, full=need_full):
        if light is not None:
            small = light(small, t)
            full = None if full is None else light(full, t)
        if detector == DetectorName.SEGMENTATION:
            assert segmenter is not None
            reading = segmenter.read(small, full)[0]
            yield Row(t, reading.occupied, reading.score)
            continue
        if segmenter is not None:
            watch.helper = segmenter
        state = watch.step(small, full)[0]
        reading: Reading = state.reading  # type: ignore[assignment]
        occupied = reading.occupied if state.occupied is None else state.occupied
        yield Row(t, occupied, reading.score)


@dataclass(frozen=True, slots=True)
class Interval:
    start: float
    end: float
    state: str  # occupied | empty | transit (ignored when scoring)


def load_labels(path: Path | str) -> list[Interval]:
    """Hand labels as CSV `start_s,end_s,state` (lines starting with # are comments)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("start_s"):
            continue
        a, b, state = line.split(",")
        out.append(Interval(float(a), float(b), state.strip()))
    return out


def label_at(labels: list[Interval], t: float) -> str | None:
    return next((i.state for i in labels if i.start <= t < i.end), None)


@dataclass(frozen=True, slots=True)
class Score:
    right: int
    scored: int
    skipped: int  # samples in transit intervals or unlabelled

    @property
    def accuracy(self) -> float:
        return self.right / self.scored if self.scored else 0.0


def score(rows: list[Row], labels: list[Interval]) -> Score:
    right = scored = skipped = 0
    for r in rows:
        truth = label_at(labels, r.t_seconds)
        if truth not in ("occupied", "empty"):
            skipped += 1
            continue
        scored += 1
        right += r.occupied == (truth == "occupied")
    return Score(right, scored, skipped)
