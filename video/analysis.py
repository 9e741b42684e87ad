"""One camera's analysis step: health first, then presence of each seat, re-registering the
references when the whole view shifted a little. Pure: pictures and `now` in, an `Outcome` out;
the worker does the I/O around it, the CLI and the tests call it on files and sim frames."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from core.enums import CameraStatus
from video.geometry import View, translate
from video.health import (
    HealthChange,
    HealthMonitor,
    HealthPolicy,
    classify,
    edge_map,
    edge_match,
    grey,
)
from video.health import view_shift as estimate_shift
from video.presence import Detector, ReferenceDetector, SeatState, SeatWatch


@dataclass(frozen=True, slots=True)
class Outcome:
    at: datetime
    status: CameraStatus | None  # None until the first status is confirmed
    change: HealthChange | None  # set when the status changed with this picture
    seats: list[SeatState]
    shifted: tuple[float, float] | None = None  # the view shift re-registered with this picture


class CameraAnalysis:
    def __init__(
        self,
        view: View,
        *,
        confirm: int = 3,
        policy: HealthPolicy | None = None,
        helper: Detector | None = None,
        threshold: float = 0.12,
    ) -> None:
        self.view = view
        self.detector = ReferenceDetector(view, threshold=threshold)
        self.watch = SeatWatch(self.detector, confirm=confirm, helper=helper)
        self.health = HealthMonitor(policy)

    @property
    def calibrated(self) -> bool:
        return self.detector.ready

    def calibrate(self, small: np.ndarray) -> None:
        """The seats are empty in `small`: take it as the reference for presence and health."""
        self.detector.calibrate(small)
        self.health.set_reference(small)

    def step(
        self,
        now: datetime,
        small: np.ndarray | None,
        frame: np.ndarray | None = None,
        known_empty: bool = False,
    ) -> Outcome:
        shifted = None
        if small is not None and known_empty:
            self.calibrate(small)
        elif small is not None and self.calibrated:
            shifted = self._reregister(small)
        change = self.health.observe(now, small, self.view.background)
        status = self.health.status
        if small is None or status != CameraStatus.OK or not self.calibrated or self._suspect():
            seats = self.watch.unknown()
        else:
            seats = self.watch.step(small, frame)
        return Outcome(now, status, change, seats, shifted)

    def _suspect(self) -> bool:
        """This picture tells nothing about the seats: the same picture again (frozen?) or one
        that looks like a fault not yet confirmed. Seats become unknown at once, so a fault
        never passes for an empty seat while it is being confirmed."""
        seen = self.health.last_look
        if seen is None:
            return False
        return seen.same_as_previous or classify(seen, self.health.policy) != CameraStatus.OK

    def _reregister(self, small: np.ndarray) -> tuple[float, float] | None:
        """When the background's edges stopped matching (seen on the previous picture) but a small
        translation restores them, move both references by it (the camera was nudged, not
        turned away). The status needs `confirm` pictures to become "moved", so a nudge is
        re-registered before it could raise a fault."""
        health, policy = self.health, self.health.policy
        if health.reference_edges is None or health.reference_gray is None:
            return None
        seen = health.last_look  # the previous picture's look: cheap trigger, no extra work
        if seen is None or seen.edge_match is None or seen.edge_match >= policy.reregister_below:
            return None
        gray = grey(small)
        dx, dy, response = estimate_shift(gray, health.reference_gray, self.view.background)
        if response < 0.1 or not 0.5 <= math.hypot(dx, dy) <= policy.max_shift:
            return None
        edges = edge_map(gray)
        before = edge_match(edges, health.reference_edges, self.view.background)
        moved_edges = edge_map(translate(health.reference_gray, dx, dy))
        after = edge_match(edges, moved_edges, self.view.background)
        if before is None or after is None or after < max(before + 0.05, policy.moved_match):
            return None  # the translation does not explain it: leave it to "moved"
        health.shift(dx, dy)
        self.detector.shift(dx, dy)
        return dx, dy
