"""The edge agent run inside the test process (so the test can script its cameras), and the
sim's cameras with seats the test empties and fills.

`SeatScript` is the one outside I/O point patched: the pictures a camera delivers. It draws them
with the sim's own renderer (sim/frames.py), lights on, nobody at the counter, the staff member
in the seat unless the test sent them away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import numpy as np

from core.reference import Hall
from hallwatch.edge.agent import EdgeAgent
from video.sim_source import SimFrames

T = TypeVar("T")


class SeatScript(SimFrames):
    """The sim's cameras for `hall`, every seat occupied until `leave(window)`."""

    def __init__(self, hall: Hall) -> None:
        super().__init__(hall)
        self.away: set[str] = set()

    def leave(self, window_code: str) -> None:
        self.away.add(window_code)

    def frame(self, window_code: str, at: float | datetime) -> np.ndarray | None:
        from sim.frames import FrameState

        t = at.timestamp() if isinstance(at, datetime) else at
        state = FrameState(window_code not in self.away, 0, None, None, None, True)
        with self._lock:
            return self.source.renderer(window_code).render(state, t)


class AgentThread:
    """`EdgeAgent.run` on its own event loop in a thread; `stop()` ends it as SIGTERM would."""

    def __init__(self, agent: EdgeAgent) -> None:
        self.agent = agent
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping: asyncio.Event | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="edge-agent", daemon=True)

    def _main(self) -> None:
        async def run() -> None:
            self.loop = asyncio.get_running_loop()
            self.stopping = asyncio.Event()
            await self.agent.run(self.stopping)

        try:
            asyncio.run(run())
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def start(self) -> AgentThread:
        self.thread.start()
        wait_for(lambda: self.stopping is not None or self.error is not None, timeout=10)
        return self

    def health(self) -> dict[str, Any]:
        return self.agent.health()

    def stop(self) -> None:
        if self.loop is not None and self.stopping is not None and self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(30)
        assert not self.thread.is_alive(), "the edge agent did not stop"
        if self.error is not None:
            raise self.error


def wait_for(probe: Callable[[], T], timeout: float = 30.0, what: str = "") -> T:
    """Poll `probe` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or probe}")
        time.sleep(0.2)
