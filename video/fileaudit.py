"""Presence on a video file, for calibration and audits: the same detectors and hysteresis the
worker runs, sampled at `fps` per second of video, with the empty-seat reference taken from the
picture at `empty_at` seconds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

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
) -> Iterator[Row]:
    """One row per sample: the confirmed state when known (else the raw reading) and the score."""
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
