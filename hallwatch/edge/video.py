"""The hall's video worker inside the edge agent (`hallwatch edge run --video`).

ARCHITECTURE.md → Scale-out: video runs at the edge, one worker per hall; only presence
samples, health and evidence metadata cross the WAN, live video only while someone watches.
What goes where:

- `presence.sample` and `camera.health` events (the same ones the worker writes straight into
  the database under `hallwatch up`, with the same deterministic `event_id`) go into the hall's
  buffer through `BufferSink`, `Nats-Msg-Id` = `event_id`, and reach the centre with the
  uplink. Central ingest stores them in `events` (the alert engine folds them into 空岗 and
  camera-fault alerts) and the projector derives the centre's `presence_samples` rows from them
  (one row per event, never twice). The worker's 5-second rows are not sent: at the centre a
  hall's presence timeline is its changes plus a heartbeat every `event_seconds`.
- Camera settings, calibrations, evidence requests, evidence rows and the live-view audit stay
  with the centre's database (`HALLWATCH_DATABASE_URL`), as for `hallwatch serve video`: they
  are request and answer with the centre (the console waits for an evidence id to attach it to
  a finding), so they cannot usefully wait out a WAN outage in a buffer.
- Evidence files and calibration pictures stay on the edge box (`<data-dir>/evidence`,
  `<data-dir>/calibration`); the evidence row holds their path, size and SHA-256.
- Live video: the WebRTC signalling and relay run here on the video port; a viewer's browser
  connects to it, so video crosses the WAN only while someone watches.
- Where that is: with a public video URL (`--public-video-url`, or HALLWATCH_PUBLIC_VIDEO_URL)
  the worker registers it as its centre's `centers.video_url` once started, so the console sends
  players, snapshots, calibration and evidence fetches (`GET /v1/evidence/{id}`) for the hall's
  cameras here. Without one the centre keeps the address it has (the admin sets it on
  摄像机管理).

The video worker needs the centre's database to start (its cameras are configured there): while
it cannot be reached the agent runs without video and retries; once started, an outage only
delays the next settings reload.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

import psycopg
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

from core.settings import Settings
from hallwatch.edge.metrics import EdgeMetrics
from hallwatch.edge.publisher import BufferRefused, EdgePublisher
from hallwatch.edge.uplink import sleep_unless
from store.db import Database
from store.repos import video as video_repo
from video.service import VideoService, start_video_service
from video.sim_source import SimFrames
from video.worker import WorkerOptions

log = logging.getLogger(__name__)


class BufferSink:
    """The video worker's sink at the edge: its events into the hall's buffer, in order.

    `write` is called from the worker's writer thread and publishes on the agent's event loop.
    Events the buffer refused (local server down or full) wait here, oldest first, and go
    before the next round's; at most `max_pending` wait (the oldest are dropped beyond that,
    with a warning). The presence rows are not sent (see the module's docstring)."""

    def __init__(
        self,
        publisher: EdgePublisher,
        loop: asyncio.AbstractEventLoop,
        metrics: EdgeMetrics,
        *,
        timeout: float = 10.0,
        max_pending: int = 100_000,
    ) -> None:
        self.publisher, self.loop, self.metrics = publisher, loop, metrics
        self.timeout = timeout
        self.pending: deque[dict[str, Any]] = deque()
        self.max_pending = max_pending
        self.stored = 0  # events the buffer took as new
        self.duplicates = 0  # events the buffer already had (a resend)
        self._lock = threading.Lock()

    def write(self, rows: list[tuple[Any, ...]], events: list[dict[str, Any]]) -> None:
        with self._lock:
            self._queue(events)
            if self.pending:
                future = asyncio.run_coroutine_threadsafe(self._drain(), self.loop)
                try:
                    future.result(self.timeout)
                except concurrent.futures.TimeoutError:
                    future.cancel()
                    log.warning("hall buffer slow: %d video events wait", len(self.pending))
            self.metrics.video_pending.set(len(self.pending))

    def _queue(self, events: Iterable[dict[str, Any]]) -> None:
        self.pending.extend(events)
        over = len(self.pending) - self.max_pending
        if over > 0:
            log.warning("hall buffer refusing for long: %d oldest video events dropped", over)
            for _ in range(over):
                self.pending.popleft()

    async def _drain(self) -> None:
        while self.pending:
            try:
                stored = await self.publisher.publish_valid(self.pending[0])
            except BufferRefused:
                return  # the publisher logged it; the events wait for the next round
            self.pending.popleft()
            if stored.duplicate:
                self.duplicates += 1
            else:
                self.stored += 1


class _Forward(Collector):
    """Exposes the current video registry's metrics on the agent's `/metrics` (the video
    service gets a fresh registry each time it starts)."""

    def __init__(self) -> None:
        self.registry: CollectorRegistry | None = None

    def collect(self) -> Iterable[Any]:
        return [] if self.registry is None else self.registry.collect()


class EdgeVideo:
    """The agent's video worker (an `agent.Worker`): starts the video service for the hall's
    cameras with a `BufferSink`, retrying while the centre's database cannot be reached, and
    stops it when the agent stops."""

    def __init__(
        self,
        settings: Settings,
        center: str,
        *,
        options: WorkerOptions | None = None,
        sims: dict[str, SimFrames] | None = None,
        registry: CollectorRegistry | None = None,
        retry_s: float = 10.0,
    ) -> None:
        if settings.database_url is None:
            raise ValueError("the edge video worker needs the centre's HALLWATCH_DATABASE_URL")
        self.settings = settings
        self.db = Database(settings.database_url.get_secret_value())
        self.options = dataclasses.replace(
            options or WorkerOptions(), center_code=center, purge=False
        )
        self.sims = sims
        self.retry_s = retry_s
        self.registered: str | None = None  # the video URL this worker registered
        self.service: VideoService | None = None
        self.sink: BufferSink | None = None
        self._forward = _Forward()
        if registry is not None:
            registry.register(self._forward)

    def health(self) -> dict[str, Any]:
        if self.service is None:
            return {"video": "waiting"}
        pending = len(self.sink.pending) if self.sink else 0
        cameras = len(self.service.worker.cameras)
        return {"video": "ok", "cameras": cameras, "pending": pending, "video_url": self.registered}

    async def __call__(self, publisher: EdgePublisher, stopping: asyncio.Event) -> None:
        self.sink = BufferSink(publisher, asyncio.get_running_loop(), publisher.metrics)
        service = await self._start(self.sink, publisher.metrics, stopping)
        if service is None:
            return
        try:
            await stopping.wait()
        finally:
            publisher.metrics.video_up.set(0)
            self.service = None
            await asyncio.to_thread(service.stop)
            log.info("edge video worker stopped")

    async def _start(
        self, sink: BufferSink, metrics: EdgeMetrics, stopping: asyncio.Event
    ) -> VideoService | None:
        while not stopping.is_set():
            registry = CollectorRegistry()
            try:
                service = await asyncio.to_thread(
                    start_video_service, self.settings, self.db, options=self.options,
                    registry=registry, sink=sink, sims=self.sims,
                )  # fmt: skip
            except (psycopg.Error, OSError) as exc:
                log.warning("video worker not started (%s); retrying in %.0f s", exc, self.retry_s)
                await sleep_unless(stopping, self.retry_s)
                continue
            if stopping.is_set():
                await asyncio.to_thread(service.stop)
                return None
            self._forward.registry = registry
            self.service = service
            metrics.video_up.set(1)
            await asyncio.to_thread(self._register, service)
            return service
        return None

    def _register(self, service: VideoService) -> None:
        """Record the public video URL as the centre's `video_url` (audited when it changes).
        A failure is logged and the worker runs on: the admin can set the address instead."""
        url, center = self.settings.public_video_url, self.options.center_code
        if url is None or center is None:
            log.info("no public video URL: the centre keeps the video address it has")
            return
        try:
            with service.pool.connection() as conn:
                before = video_repo.set_center_video_url(conn, center, url, actor=f"edge:{center}")
        except psycopg.Error as exc:
            log.warning("video URL %s not registered for %s: %s", url, center, exc)
            return
        if before is None:
            log.warning(
                "centre %s is not in the centre's database: video URL not registered", center
            )
            return
        self.registered = url
        log.info("video service of %s registered at %s (was %s)", center, url, before.video_url)
