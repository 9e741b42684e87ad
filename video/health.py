"""Camera health from the pictures themselves: offline (no picture), frozen (the same picture
again and again), dark or blank, covered (no structure left), moved (the background's edges are
no longer where the calibrated view had them). Pure: pictures and `now` in, a status out.

A status changes only after `confirm` equal classifications in a row (the first status is set at
once; offline and frozen are time-based and need no extra confirmation). A fault always wins
over presence: while a camera is not OK its seats are unknown, never "empty" (DOMAIN.md →
Window presence)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import cv2
import numpy as np

from core.enums import CameraStatus
from video.geometry import translate

_K = np.ones((3, 3), np.uint8)


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    offline_after: timedelta = timedelta(seconds=30)
    frozen_after: timedelta = timedelta(seconds=30)
    dark_brightness: float = 20.0  # mean grey level below which the picture is dark
    blank_contrast: float = 4.0  # grey standard deviation below which the picture is blank
    covered_edges: float = 0.01  # share of edge pixels below which the view is covered
    moved_match: float = 0.4  # share of reference edges still found, below which it moved
    max_shift: float = 8.0  # analysis pixels of view shift re-registered instead of "moved"
    reregister_below: float = 0.9  # edge match below which a small shift is looked for
    confirm: int = 2


@dataclass(frozen=True, slots=True)
class Look:
    """What health needs to know about one analysis picture."""

    brightness: float
    contrast: float
    edges: float  # share of pixels on a strong (light-normalised) edge
    edge_match: float | None  # share of the reference's background edges still present
    same_as_previous: bool


def edge_map(gray: np.ndarray) -> np.ndarray:
    """Strong edges, normalised by brightness so dimmer light keeps the same edges."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    return cv2.magnitude(gx, gy) / (float(gray.mean()) + 10.0) > 0.5


def grey(small: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32)


def edge_match(edges: np.ndarray, reference: np.ndarray, where: np.ndarray) -> float | None:
    """Share of the reference's edges (inside `where`) that have an edge within one pixel now."""
    ref = reference & where
    n = int(ref.sum())
    if n < 20:
        return None  # a view without structure cannot tell whether it moved
    near = cv2.dilate(edges.astype(np.uint8), _K) > 0
    return float((near & ref).sum()) / n


def look(
    small: np.ndarray,
    previous: np.ndarray | None,
    reference_edges: np.ndarray | None,
    background: np.ndarray,
) -> Look:
    gray = grey(small)
    edges = edge_map(gray)
    match = None if reference_edges is None else edge_match(edges, reference_edges, background)
    same = previous is not None and previous.shape == small.shape and _same(previous, small)
    return Look(float(gray.mean()), float(gray.std()), float(edges.mean()), match, same)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same picture again: a frozen camera repeats its last frame exactly (live sensor noise
    changes every picture, even in a still and dim scene); a few changed values are tolerated."""
    return float(cv2.norm(a, b, cv2.NORM_L1)) / a.size < 0.02


def classify(seen: Look, policy: HealthPolicy) -> CameraStatus:
    """The status one picture suggests (without frozen/offline, which need time)."""
    if seen.brightness < policy.dark_brightness or seen.contrast < policy.blank_contrast:
        return CameraStatus.DARK
    if seen.edges < policy.covered_edges:
        return CameraStatus.COVERED
    if seen.edge_match is not None and seen.edge_match < policy.moved_match:
        return CameraStatus.MOVED
    return CameraStatus.OK


def view_shift(
    gray: np.ndarray, reference_gray: np.ndarray, background: np.ndarray
) -> tuple[float, float, float]:
    """(dx, dy, response) of the background's translation against the reference (seats are
    filled with the mean so people do not pull the estimate)."""
    a = np.where(background, reference_gray, float(reference_gray[background].mean()))
    b = np.where(background, gray, float(gray[background].mean()))
    win = cv2.createHanningWindow((gray.shape[1], gray.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), win)
    return dx, dy, response


@dataclass(frozen=True, slots=True)
class HealthChange:
    status: CameraStatus
    previous: CameraStatus | None
    detail: str


class HealthMonitor:
    """One camera's health over time; `observe` returns a change when the status changes."""

    def __init__(self, policy: HealthPolicy | None = None) -> None:
        self.policy = policy or HealthPolicy()
        self.status: CameraStatus | None = None
        self.reference_edges: np.ndarray | None = None
        self.reference_gray: np.ndarray | None = None
        self.last_look: Look | None = None
        self._previous: np.ndarray | None = None
        self._last_frame_at: datetime | None = None
        self._same_since: datetime | None = None
        self._candidate: CameraStatus | None = None
        self._run = 0

    def set_reference(self, small: np.ndarray) -> None:
        """The calibrated view: edges to compare with for "moved"."""
        self.reference_gray = grey(small)
        self.reference_edges = edge_map(self.reference_gray)

    def shift(self, dx: float, dy: float) -> None:
        """Move the reference view by (dx, dy) analysis pixels (re-registration)."""
        assert self.reference_gray is not None
        moved = translate(self.reference_gray, dx, dy)
        self.reference_gray = moved
        self.reference_edges = edge_map(moved)

    def observe(
        self, now: datetime, small: np.ndarray | None, background: np.ndarray | None = None
    ) -> HealthChange | None:
        if self._last_frame_at is None:
            self._last_frame_at = now  # the offline clock starts with the first observation
        if small is None:
            silent = now - self._last_frame_at
            if silent >= self.policy.offline_after:
                self._candidate, self._run = None, 0  # back online needs `confirm` pictures
                return self._set(CameraStatus.OFFLINE, f"no picture for {silent.seconds} s")
            return None
        self._last_frame_at = now
        bg = background if background is not None else np.ones(small.shape[:2], bool)
        seen = look(small, self._previous, self.reference_edges, bg)
        self.last_look, self._previous = seen, small
        return self._judge(now, seen)

    def _judge(self, now: datetime, seen: Look) -> HealthChange | None:
        if seen.same_as_previous:
            self._same_since = self._same_since or now
            if now - self._same_since >= self.policy.frozen_after:
                return self._set(CameraStatus.FROZEN, "identical pictures since " + str(now))
        else:
            self._same_since = None
        status = classify(seen, self.policy)
        if status == self._candidate:
            self._run += 1
        else:
            self._candidate, self._run = status, 1
        if self._run >= self.policy.confirm or self.status is None:
            return self._set(status, _describe(seen))
        return None

    def _set(self, status: CameraStatus, detail: str) -> HealthChange | None:
        if status == self.status:
            return None
        change = HealthChange(status, self.status, detail)
        self.status = status
        return change


def _describe(seen: Look) -> str:
    match = "-" if seen.edge_match is None else f"{seen.edge_match:.2f}"
    return (
        f"brightness {seen.brightness:.0f}, contrast {seen.contrast:.1f}, "
        f"edges {seen.edges:.3f}, reference edges found {match}"
    )
