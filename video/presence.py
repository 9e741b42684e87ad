"""Is someone in the seat? Detectors score each seat region of an analysis image; `Hysteresis`
turns raw results into a state that changes only after several equal results in a row; and
`SeatWatch` ties them together for one camera, including when to re-learn the empty seat.

Pure: numpy arrays in, numbers out. No I/O, no clock.

The default detector (`ReferenceDetector`) compares the picture with a calibrated picture of the
empty seat. Two things keep it right when the light changes:
* gain normalisation: the expected picture is the reference times the per-channel gain measured
  on the background (everything outside the seats), so a darker or brighter hall cancels out;
* relative difference with a one-pixel tolerance: a pixel counts as changed only when it leaves
  the range of its reference neighbourhood by more than `change` of the expected brightness.
The seat's score is the share of its pixels that changed. Motion (change since the previous
picture) gates learning: the reference is blended towards the current picture only while the
seat is confirmed empty, still, and scores low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from video.geometry import View, translate

_K = np.ones((3, 3), np.uint8)


@dataclass(frozen=True, slots=True)
class Reading:
    """One seat in one picture: `score` 0..1 (share of the seat that looks occupied), `motion`
    0..1 (share that changed since the previous picture), `occupied` the raw decision."""

    score: float
    motion: float
    occupied: bool


class Detector(Protocol):
    name: str
    threshold: float

    @property
    def ready(self) -> bool: ...

    def read(self, small: np.ndarray, frame: np.ndarray | None = None) -> list[Reading]: ...


def _channel_max(img: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(img[0], img[1]), img[2])


def _planes(small: np.ndarray) -> np.ndarray:
    """Blurred float planes (3, h, w): per-channel arithmetic stays on contiguous memory."""
    blurred = cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)
    return np.ascontiguousarray(blurred.transpose(2, 0, 1))


def _per_plane(op: int, planes: np.ndarray) -> np.ndarray:
    """Erode or dilate all three planes in one call (interleaved), back to planes."""
    interleaved = cv2.morphologyEx(np.ascontiguousarray(planes.transpose(1, 2, 0)), op, _K)
    return np.ascontiguousarray(interleaved.transpose(2, 0, 1))


class ReferenceDetector:
    """Normalised differencing against a calibrated empty-seat reference, plus motion."""

    name = "reference"

    def __init__(
        self, view: View, *, threshold: float = 0.12, change: float = 0.25, floor: float = 24.0
    ) -> None:
        self.view = view
        self.threshold = threshold  # seat score at or above which a seat reads occupied
        self.change = change  # relative difference at which a pixel counts as changed
        self.floor = floor  # brightness added to the divisor so dark pixels are not noise
        self.ref: np.ndarray | None = None  # (3, h, w) float planes of the empty seats
        self._lo = self._hi = self._ref_bg = np.empty(0, np.float32)
        self._prev: np.ndarray | None = None
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # small, cur, gain
        bg = np.flatnonzero(view.background)
        self._bg = bg[:: max(1, len(bg) // 1500)]  # a sample of background pixels suffices

    @property
    def ready(self) -> bool:
        return self.ref is not None

    def calibrate(self, small: np.ndarray) -> None:
        """Take `small` (an analysis image of the empty seats) as the reference."""
        self._set_reference(_planes(small))
        self._prev = None

    def _set_reference(self, ref: np.ndarray) -> None:
        self.ref = ref
        self._lo = _per_plane(cv2.MORPH_ERODE, ref)
        self._hi = _per_plane(cv2.MORPH_DILATE, ref)
        self._ref_bg = np.take(ref.reshape(3, -1), self._bg, axis=1) + 4.0
        self._last = None

    def gain(self, cur: np.ndarray) -> np.ndarray:
        """Per-channel brightness of `cur` relative to the reference, from the background;
        shape (3, 1, 1) so it multiplies planes."""
        ratio = (np.take(cur.reshape(3, -1), self._bg, axis=1) + 4.0) / self._ref_bg
        mid = ratio.shape[1] // 2
        return np.partition(ratio, mid, axis=1)[:, mid, None, None].astype(np.float32)

    def _measure(self, small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The blurred planes and their gain, computed once per picture."""
        if self._last is not None and self._last[0] is small:
            return self._last[1], self._last[2]
        cur = _planes(small)
        gain = self.gain(cur)
        self._last = (small, cur, gain)
        return cur, gain

    def changed(self, cur: np.ndarray, gain: np.ndarray) -> np.ndarray:
        """Boolean image: pixels that left their reference neighbourhood (light-normalised)."""
        assert self.ref is not None
        diff = np.maximum(np.maximum(cur - self._hi * gain, self._lo * gain - cur), 0.0)
        rel = diff / (self.ref * gain + self.floor * float(gain.mean()))
        mask = (_channel_max(rel) > self.change).astype(np.uint8)
        return cv2.morphologyEx(mask, cv2.MORPH_OPEN, _K[:2, :2]) > 0

    def _motion(self, cur: np.ndarray) -> np.ndarray:
        prev, self._prev = self._prev, cur
        if prev is None or prev.shape != cur.shape:
            return np.zeros(cur.shape[1:], bool)
        rel = np.abs(cur - prev) / (prev + self.floor)
        return _channel_max(rel) > self.change

    def read(self, small: np.ndarray, frame: np.ndarray | None = None) -> list[Reading]:
        if self.ref is None:
            raise RuntimeError("the detector has no empty-seat reference yet: calibrate first")
        cur, gain = self._measure(small)
        changed = self.changed(cur, gain)
        moving = self._motion(cur)
        out = []
        for mask in self.view.seat_masks:
            n = max(int(mask.sum()), 1)
            score = float(np.count_nonzero(changed & mask)) / n
            motion = float(np.count_nonzero(moving & mask)) / n
            out.append(Reading(score, motion, score >= self.threshold))
        return out

    def learn(self, small: np.ndarray, where: np.ndarray | None = None, alpha: float = 0.1) -> None:
        """Blend `small` (brought back to the reference's light) into the reference, only at
        `where` (a boolean image; default everywhere). alpha=1 replaces it."""
        if self.ref is None:
            self.calibrate(small)
            return
        cur, gain = self._measure(small)
        blended = self.ref + alpha * (cur / gain - self.ref)
        if where is not None:
            blended = np.where(where[None], blended, self.ref)
        self._set_reference(blended.astype(np.float32))

    def shift(self, dx: float, dy: float) -> None:
        """Move the reference by (dx, dy) analysis pixels (the whole view shifted a little)."""
        assert self.ref is not None
        self._set_reference(np.stack([translate(p, dx, dy) for p in self.ref]))


class Hysteresis:
    """A state that changes only after `confirm` equal raw results in a row. A raw None (the
    camera cannot tell) makes the state unknown until `confirm` equal results arrive again."""

    def __init__(self, confirm: int = 3) -> None:
        if confirm < 1:
            raise ValueError("confirm must be at least 1")
        self.confirm = confirm
        self.state: bool | None = None
        self._candidate: bool | None = None
        self._run = 0

    def update(self, raw: bool | None) -> bool | None:
        if raw is None:
            self.state, self._candidate, self._run = None, None, 0
            return None
        if raw == self._candidate:
            self._run += 1
        else:
            self._candidate, self._run = raw, 1
        if self._run >= self.confirm:
            self.state = raw
        return self.state


@dataclass(frozen=True, slots=True)
class SeatState:
    seat: int
    reading: Reading | None  # None when the picture could not be read
    occupied: bool | None  # the confirmed state; None while unknown


@dataclass
class SeatWatch:
    """Presence of every seat of one camera: detector, hysteresis, and re-learning the empty
    seat when it is confirmed empty, still and low-scoring (or when told it is empty)."""

    detector: ReferenceDetector
    confirm: int = 3
    learn_every: int = 10  # pictures between two updates of the reference
    learn_alpha: float = 0.25
    helper: Detector | None = None  # e.g. SegmentationDetector; both must agree on "empty"
    hysteresis: list[Hysteresis] = field(init=False)
    _steps: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.hysteresis = [Hysteresis(self.confirm) for _ in self.detector.view.seat_masks]

    def unknown(self) -> list[SeatState]:
        """The camera cannot be trusted (fault): every seat becomes unknown."""
        return [SeatState(i, None, h.update(None)) for i, h in enumerate(self.hysteresis)]

    def step(
        self, small: np.ndarray, frame: np.ndarray | None = None, known_empty: bool = False
    ) -> list[SeatState]:
        if known_empty:
            self.detector.calibrate(small)
        if not self.detector.ready:
            return self.unknown()
        readings = self.detector.read(small)
        if self.helper is not None and self.helper.ready:
            extra = self.helper.read(small, frame)
            readings = [_either(a, b) for a, b in zip(readings, extra, strict=True)]
        states = [
            SeatState(i, r, h.update(r.occupied))
            for i, (r, h) in enumerate(zip(readings, self.hysteresis, strict=True))
        ]
        self._steps += 1
        if self._steps % self.learn_every == 0:
            self._maybe_learn(small, states)
        return states

    def _maybe_learn(self, small: np.ndarray, states: list[SeatState]) -> None:
        view = self.detector.view
        quiet = view.background.copy()
        for s, mask in zip(states, view.seat_masks, strict=True):
            r = s.reading
            calm = r is not None and r.motion < 0.02 and r.score < self.detector.threshold / 2
            if s.occupied is False and calm:
                quiet |= mask
        self.detector.learn(small, quiet, self.learn_alpha)


def _either(a: Reading, b: Reading) -> Reading:
    """Occupied when either detector says so; the score is the larger one."""
    return Reading(max(a.score, b.score), a.motion, a.occupied or b.occupied)
