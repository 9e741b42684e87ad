"""Synthetic 640×360 BGR frames of a window's desk, consistent with the presence truth.

Backgrounds, people and fault images are drawn once per window; a frame is a copy, one or two
masked pastes, a lighting look-up table and precomputed sensor noise (about 1 ms)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import cv2
import numpy as np

from core.enums import CameraStatus
from sim import clock, scene
from sim.scene import HEIGHT, WIDTH
from sim.world import Twin

SHIRTS = ((95, 45, 25), (60, 60, 150))  # A post navy uniform, B post dark red
JACKETS = ((40, 90, 40), (120, 70, 50), (50, 50, 60), (150, 130, 100))
SKIN = (130, 165, 205)
NOISE_BANK = 8


@dataclass(frozen=True, slots=True)
class FrameState:
    occupied: bool
    occupant: int  # 0 A post, 1 B post
    customer: int | None  # jacket index of the customer at the counter, None if none
    fault: CameraStatus | None
    fault_start: int | None
    lights: bool  # hall lights on (working day, daytime)


@cache
def _noise_bank() -> tuple[np.ndarray, np.ndarray]:
    """Sensor noise shared by every camera: positive and negative parts, NOISE_BANK frames."""
    noise = np.random.default_rng(7).normal(0, 2.5, (NOISE_BANK, HEIGHT, WIDTH, 3))
    return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)


@cache
def _cover() -> np.ndarray:
    """A hand or cloth over the lens: dark, soft, nearly uniform (drawn small, then enlarged)."""
    small = np.empty((HEIGHT // 8, WIDTH // 8, 3), np.uint8)
    small[:] = (45, 55, 70)
    cv2.circle(small, (WIDTH // 16, HEIGHT // 16), 19, (60, 75, 95), -1)
    small = cv2.GaussianBlur(small, (0, 0), 3)
    return cv2.resize(small, (WIDTH, HEIGHT), interpolation=cv2.INTER_LINEAR)


class _Sprite:
    def __init__(self, image: np.ndarray, mask: np.ndarray) -> None:
        self.image, self.mask = image, mask

    def paste(self, frame: np.ndarray, x: int, y: int, bottom: int = HEIGHT) -> None:
        h, w = self.image.shape[:2]
        y0, x0 = max(y, 0), max(x, 0)
        y1, x1 = min(y + h, bottom), min(x + w, WIDTH)
        if y0 >= y1 or x0 >= x1:
            return
        sy, sx = y0 - y, x0 - x
        rows, cols = slice(sy, sy + y1 - y0), slice(sx, sx + x1 - x0)
        cv2.copyTo(self.image[rows, cols], self.mask[rows, cols], frame[y0:y1, x0:x1])


def _person(shirt: tuple[int, int, int]) -> _Sprite:
    img = np.zeros((190, 170, 3), np.uint8)
    mask = np.zeros((190, 170), np.uint8)
    for canvas, colour in ((img, None), (mask, 255)):
        cv2.ellipse(canvas, (85, 190), (80, 95), 0, 180, 360, colour or shirt, -1)
        cv2.ellipse(canvas, (85, 62), (30, 38), 0, 0, 360, colour or SKIN, -1)
        cv2.rectangle(canvas, (72, 90), (98, 110), colour or SKIN, -1)
    cv2.ellipse(img, (85, 42), (31, 22), 0, 180, 360, (25, 25, 30), -1)  # hair
    cv2.ellipse(img, (85, 112), (20, 10), 0, 0, 180, (235, 235, 235), -1)  # collar
    cv2.circle(img, (74, 60), 3, (40, 40, 40), -1)
    cv2.circle(img, (96, 60), 3, (40, 40, 40), -1)
    return _Sprite(img, mask)


def _customer(jacket: tuple[int, int, int]) -> _Sprite:
    img = np.zeros((170, 180, 3), np.uint8)
    mask = np.zeros((170, 180), np.uint8)
    for canvas, colour in ((img, None), (mask, 255)):
        cv2.ellipse(canvas, (90, 170), (88, 75), 0, 180, 360, colour or jacket, -1)
        cv2.ellipse(canvas, (90, 55), (34, 42), 0, 0, 360, colour or (30, 30, 35), -1)
    return _Sprite(img, mask)


class WindowRenderer:
    """Everything drawn once for one window's camera."""

    def __init__(self, window_code: str, label: str) -> None:
        self.layout = lay = scene.layout(window_code)
        x, y, w, h = lay.seat
        self.desk_top = y + h + 10
        self.background = self._background(label)
        self.people = [_person(s) for s in SHIRTS]
        self.customers = [_customer(j) for j in JACKETS]
        self.person_origin = (x + w // 2 - 85, y - 5)
        self.noise_pos, self.noise_neg = _noise_bank()
        self.covered = _cover()
        self.moved = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), 4.0, 1.0)
        self.moved[:, 2] += (70, 35)

    def _background(self, label: str) -> np.ndarray:
        lay = self.layout
        x, y, w, h = lay.seat
        bg = np.empty((HEIGHT, WIDTH, 3), np.uint8)
        bg[:] = lay.wall
        shade = np.linspace(1.08, 0.9, HEIGHT, dtype=np.float32)[:, None, None]
        bg = np.clip(bg * shade, 0, 255).astype(np.uint8)
        cv2.rectangle(bg, (x - 160, y - 45), (x - 20, y + 35), (235, 235, 240), -1)  # notice board
        for i in range(4):
            cv2.line(bg, (x - 150, y - 30 + 16 * i), (x - 35, y - 30 + 16 * i), (120, 120, 120), 2)
        cv2.rectangle(bg, (x + 35, y + 25), (x + w - 35, y + h + 5), (45, 45, 50), -1)  # chair
        cv2.rectangle(bg, (0, self.desk_top), (WIDTH, HEIGHT), lay.desk, -1)  # counter
        cv2.rectangle(bg, (0, self.desk_top), (WIDTH, self.desk_top + 8), (200, 200, 205), -1)
        cv2.rectangle(
            bg, (x - 120, self.desk_top - 70), (x - 20, self.desk_top - 5), (30, 30, 30), -1
        )
        cv2.putText(bg, label, (x + w + 30, y), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (40, 40, 160), 3)
        return bg

    def render(self, state: FrameState, t: float) -> np.ndarray | None:
        if state.fault == CameraStatus.OFFLINE:
            return None
        k = int(t * 7) % NOISE_BANK
        if state.fault == CameraStatus.DARK:
            return cv2.add(np.zeros_like(self.background), self.noise_pos[k] // 2)
        if state.fault == CameraStatus.COVERED:
            return cv2.add(self.covered, self.noise_pos[k])
        frame = self.scene(state, t)
        cv2.add(frame, self.noise_pos[k], dst=frame)
        cv2.subtract(frame, self.noise_neg[k], dst=frame)
        if state.fault == CameraStatus.MOVED:
            frame = cv2.warpAffine(
                frame, self.moved, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT
            )
        return frame

    def scene(self, state: FrameState, t: float) -> np.ndarray:
        frame = self.background.copy()
        if state.occupied:
            dx = int(7 * math.sin(t / 7.0) + 3 * math.sin(t / 2.3))
            dy = int(3 * math.sin(t / 5.1))
            ox, oy = self.person_origin
            self.people[state.occupant].paste(frame, ox + dx, oy + dy, self.desk_top)
        if state.customer is not None:
            sway = int(4 * math.sin(t / 3.0))
            self.customers[state.customer].paste(frame, self.layout.customer_x + sway, HEIGHT - 150)
        return cv2.convertScaleAbs(frame, alpha=lighting(t, state.lights))


def lighting(t: float, lights: bool) -> float:
    """Global gain: daylight drift through the day and passing clouds; dim when lights are off."""
    if not lights:
        return 0.3
    hour = ((t + clock.OFFSET) % clock.DAY) / 3600
    daylight = 0.08 * math.sin(math.pi * (hour - 7) / 12)
    clouds = 0.04 * math.sin(t / 900.0) + 0.02 * math.sin(t / 170.0)
    return 0.9 + daylight + clouds


class FrameSource:
    """Frames of every window of one or more twins, at any moment."""

    def __init__(self, twins: Twin | list[Twin]) -> None:
        self.twins = twins if isinstance(twins, list) else [twins]
        self._owner = {code: tw for tw in self.twins for code in tw.windows}
        self._renderers: dict[str, WindowRenderer] = {}
        self._frozen: dict[tuple[str, int], np.ndarray | None] = {}

    @property
    def window_codes(self) -> list[str]:
        return list(self._owner)

    def seat_roi(self, window_code: str) -> tuple[int, int, int, int]:
        """The staff seat region (x, y, w, h) in pixels; also Camera.seat_regions in the Hall."""
        self._owner[window_code]
        return scene.layout(window_code).seat

    def renderer(self, window_code: str) -> WindowRenderer:
        if window_code not in self._renderers:
            label = self._owner[window_code].windows[window_code].name
            self._renderers[window_code] = WindowRenderer(window_code, label.replace("号窗口", ""))
        return self._renderers[window_code]

    def state(self, window_code: str, t: float) -> FrameState:
        ti = int(t)
        wd = self._owner[window_code].window_day(window_code, ti)
        if wd is None:
            return FrameState(False, 0, None, None, None, False)
        hour = ((ti + clock.OFFSET) % clock.DAY) / 3600
        occupied = any(a <= ti < b for a, b in wd.occupied)
        customer = next((a for a, b in wd.services if a <= ti < b), None)
        fault = next(((s, st) for s, e, st in wd.faults if s <= ti < e), (None, None))
        return FrameState(
            occupied,
            0 if wd.staff_id < wd.backup_id else 1,
            None if customer is None else customer % len(JACKETS),
            fault[1],
            fault[0],
            7.5 <= hour < 19,
        )

    def frame(self, window_code: str, t: float | datetime) -> np.ndarray | None:
        """The camera's picture at `t` (POSIX seconds or an aware datetime); None when offline."""
        if isinstance(t, datetime):
            t = t.timestamp()
        state = self.state(window_code, t)
        renderer = self.renderer(window_code)
        if state.fault == CameraStatus.FROZEN and state.fault_start is not None:
            key = (window_code, state.fault_start)
            if key not in self._frozen:
                at = float(state.fault_start)
                self._frozen[key] = renderer.render(self.state(window_code, at - 1), at - 1)
            frozen = self._frozen[key]
            return None if frozen is None else frozen.copy()
        return renderer.render(state, t)
