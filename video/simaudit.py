"""The presence analysis checked against the digital twin's truth: sim frames of some windows
through a working day (with the twin's daylight drift and customers at the counter, plus any
extra lighting change), analysed exactly as the worker does, scored per sample."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from video.analysis import CameraAnalysis
from video.geometry import View
from video.sim_source import SimFrames

Light = Callable[[np.ndarray, float], np.ndarray]


def drift(img: np.ndarray, t: float) -> np.ndarray:
    """Extra lighting change on top of the twin's: a slow gain swing of 0.55–1.25 (a 2-hour
    period) and a left-to-right gradient that moves with it (sun through a side window)."""
    gain = 0.9 + 0.35 * math.sin(2 * math.pi * t / 7200)
    w = img.shape[1]
    ramp = np.linspace(1.0 - 0.25 * math.cos(t / 3000), 1.0 + 0.15, w, dtype=np.float32)
    out = img.astype(np.float32) * (gain * ramp)[None, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


@dataclass
class SimScore:
    samples: int = 0
    raw_right: int = 0
    confirmed_right: int = 0  # unknown (still confirming) counts as wrong
    faults: int = 0  # samples skipped: camera fault in the truth
    errors: list[tuple[str, float, bool, float, str]] = field(default_factory=list)

    @property
    def raw(self) -> float:
        return self.raw_right / self.samples if self.samples else 0.0

    @property
    def confirmed(self) -> float:
        return self.confirmed_right / self.samples if self.samples else 0.0


def audit(
    sim: SimFrames,
    windows: Sequence[str],
    start: float,
    end: float,
    step: float,
    light: Light | None = None,
) -> SimScore:
    """Calibrate each window from the sim's empty seat, then analyse `start`..`end` every
    `step` seconds; samples during a planted camera fault are not scored (health's job)."""
    score = SimScore()
    for window in windows:
        empty = sim.empty(window, start)
        view = View((empty.shape[1], empty.shape[0]), [sim.seat(window)])
        analysis = CameraAnalysis(view)
        analysis.calibrate(view.small(empty))
        t = start
        while t < end:
            _sample(sim, window, analysis, t, light, score)
            t += step
    return score


def _sample(sim, window, analysis, t, light, score) -> None:  # type: ignore[no-untyped-def]
    truth = sim.source.state(window, t)
    img = sim.frame(window, t)
    small = None if img is None else analysis.view.small(img)
    if small is not None and light is not None:
        small = light(small, t)  # the analysis only sees the small picture
    outcome = analysis.step(datetime.fromtimestamp(t, UTC), small)
    if truth.fault is not None:
        score.faults += 1
        return
    seat = outcome.seats[0]
    raw = seat.reading.occupied if seat.reading is not None else None
    score.samples += 1
    score.raw_right += raw == truth.occupied
    score.confirmed_right += seat.occupied == truth.occupied
    if raw != truth.occupied:
        s = -1.0 if seat.reading is None else seat.reading.score
        score.errors.append((window, t, truth.occupied, s, str(outcome.status)))
