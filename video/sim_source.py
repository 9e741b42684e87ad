"""The sim's cameras (`sim://<window_code>`): pictures drawn by the digital twin of the hall at
any moment (sim/frames.py), with its seat regions and a picture of the empty seat to calibrate
from. One twin per centre, built on first use; rendering is serialised (the twin caches)."""

from __future__ import annotations

import threading
from datetime import datetime

import numpy as np

from core.reference import Hall
from video.geometry import Polygon, rect


class SimFrames:
    def __init__(self, hall: Hall) -> None:
        from sim.frames import FrameSource
        from sim.world import Twin

        self.source = FrameSource(Twin(hall=hall))
        self._lock = threading.Lock()

    def has(self, window_code: str) -> bool:
        return window_code in self.source.window_codes

    def frame(self, window_code: str, at: float | datetime) -> np.ndarray | None:
        with self._lock:
            return self.source.frame(window_code, at)

    def seat(self, window_code: str) -> Polygon:
        return rect(*self.source.seat_roi(window_code))

    def empty(self, window_code: str, at: float) -> np.ndarray:
        """The window's desk with nobody at it, lights on (the sim's known-empty picture)."""
        from sim.frames import FrameState

        with self._lock:
            renderer = self.source.renderer(window_code)
            return renderer.render(FrameState(False, 0, None, None, None, True), at)  # type: ignore[return-value]
