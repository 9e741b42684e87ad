"""Live mode for `hallwatch up`: preload a day of history, then emit events as their simulated
time comes, in real time or fast-forward (`speed`). Cameras answer at sim://<window_code>.

    live = LiveSim(hall, seed=7, speed=1.0)
    for event in live.history():          # everything before "now"
        write(event)
    await live.stream(sink)               # then each event when it is due
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.reference import Hall
from sim import clock, video
from sim.clock import CST, WorkingCalendar
from sim.config import SimConfig
from sim.frames import FrameSource
from sim.presence import WindowDay
from sim.world import Twin

Sink = Callable[[dict[str, Any]], Awaitable[object] | object]


class LiveSim:
    """`start` (default: now − 1 day) is where history begins; `now` (default: the wall clock)
    is the simulated instant that maps to the moment of construction, e.g. a morning of a
    working day for a demo at night; `speed` runs simulated time N times faster."""

    def __init__(
        self,
        hall: Hall | None = None,
        seed: int = 7,
        start: datetime | None = None,
        speed: float = 1.0,
        config: SimConfig | None = None,
        now: datetime | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        now = (now or datetime.now(CST)).astimezone(CST)
        start = (start or now - timedelta(days=1)).astimezone(CST)
        cfg = (config or SimConfig()).model_copy(update={"seed": seed, "start": start.date()})
        self.twin = Twin(hall, cfg, calendar)
        self.hall = self.twin.hall
        self.speed = speed
        self.start = clock.from_datetime(start)
        self._anchor_sim, self._anchor_wall = now.timestamp(), time.time()
        self._heap: list[tuple[int, int, int, dict[str, Any]]] = []
        self._next_day: date = start.date()
        self.frames = FrameSource(self.twin)
        video.register(self.frames, self.sim_now)

    def sim_now(self) -> float:
        """The simulated instant (POSIX seconds) of this wall-clock moment."""
        return self._anchor_sim + (time.time() - self._anchor_wall) * self.speed

    def wall_time(self, sim_t: float) -> float:
        return self._anchor_wall + (sim_t - self._anchor_sim) / self.speed

    def _generate_next_day(self) -> None:
        day, self._next_day = self._next_day, self._next_day + timedelta(days=1)
        result = self.twin.day(day)
        if result is None:
            return
        for t, seq, event in result.events:
            if t >= self.start:
                heapq.heappush(self._heap, (t, day.toordinal(), seq, event))

    def _events_before(self, until: int) -> Iterator[tuple[int, dict[str, Any]]]:
        """Pop every event earlier than `until`, generating days as needed."""
        while clock.midnight(self._next_day) < until:
            self._generate_next_day()
        while self._heap and self._heap[0][0] < until:
            t, _, _, event = heapq.heappop(self._heap)
            yield t, event

    def history(self, until: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Events from `start` up to `until` (default: the simulated now), in time order."""
        limit = clock.from_datetime(until) if until else int(self.sim_now())
        for _, event in self._events_before(limit):
            yield event

    def seat_samples(
        self, since: datetime | None = None, until: datetime | None = None, step: int = 60
    ) -> Iterator[tuple[Any, ...]]:
        """What the hall's cameras would have reported from `since` (default: `start`) to
        `until` (default: the simulated now), from the twin's truth: a presence row per window
        every `step` seconds of opening hours — (at, camera, window, seat, occupied, score,
        status) as `store.repos.video.write_presence` takes them. For a demo's history; live,
        the video worker measures the twin's frames instead."""
        lo = max(clock.from_datetime(since), self.start) if since else self.start
        hi = clock.from_datetime(until) if until else int(self.sim_now())
        cameras = {c.window_code: c.code for c in self.hall.cameras if c.window_code}
        day = clock.local_date(lo)
        while clock.midnight(day) < hi:
            windows = self.twin.seats(day) or {}
            for a, b in clock.sessions(day, self.hall.center.schedule):
                for wd in windows.values():
                    camera = cameras.get(wd.window_code)
                    if camera is None:
                        continue
                    first = max(a, lo) + (-max(a, lo)) % step  # on the minute, like the worker
                    for t in range(first, min(b, hi), step):
                        yield _sample(t, camera, wd)
            day += timedelta(days=1)

    def upcoming(self) -> Iterator[tuple[float, dict[str, Any]]]:
        """(wall-clock due time, event) for every later event, in order, forever."""
        while True:
            self._generate_next_day()
            for t, event in self._events_before(clock.midnight(self._next_day)):
                yield self.wall_time(t), event

    async def stream(self, sink: Sink, stop: asyncio.Event | None = None) -> None:
        """Call `sink(event)` (sync or async) for each event when it is due, until `stop`."""
        stop = stop or asyncio.Event()
        for due, event in self.upcoming():
            delay = due - time.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):  # the normal case: the event is due
                    await asyncio.wait_for(stop.wait(), timeout=delay)
            if stop.is_set():
                return
            result = sink(event)
            if inspect.isawaitable(result):
                await result

    def close(self) -> None:
        video.unregister(self.frames)


def _sample(t: int, camera: str, wd: WindowDay) -> tuple[Any, ...]:
    at = datetime.fromtimestamp(t, UTC)
    fault = next((status for s, e, status in wd.faults if s <= t < e), None)
    if fault is not None:
        return (at, camera, wd.window_code, 0, None, None, fault.value)
    occupied = any(s <= t < e for s, e in wd.occupied)
    return (at, camera, wd.window_code, 0, occupied, 0.92 if occupied else 0.06, "ok")
