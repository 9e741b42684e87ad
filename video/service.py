"""The video service in one handle: the worker (cameras, samples, evidence) and the HTTP/WebRTC
side on its own asyncio loop in a thread. `start_video_service(settings, db)` is what
`hallwatch up` and `hallwatch serve video` call, and what a hall's edge agent calls with a `sink`
into its buffer (hallwatch/edge/video.py); `stop()` ends it cleanly."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry
from psycopg_pool import ConnectionPool

from core.settings import Settings
from store.db import Database
from video.metrics import VideoMetrics
from video.signalling import Signalling
from video.sim_source import SimFrames
from video.worker import SampleSink, VideoWorker, WorkerOptions

log = logging.getLogger(__name__)


@dataclass
class VideoService:
    worker: VideoWorker
    signalling: Signalling
    pool: ConnectionPool
    port: int
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    ready: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None
    error: BaseException | None = None

    @property
    def threads(self) -> list[threading.Thread]:
        return [*self.worker.threads, *([self.thread] if self.thread else [])]

    def _serve(self, host: str) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self._runner = web.AppRunner(self.signalling.app())
            self.loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, host, self.port)
            self.loop.run_until_complete(site.start())
        except OSError as exc:
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._runner.cleanup())
        self.loop.close()

    def stop(self) -> None:
        if self.thread is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        self.worker.stop()
        self.pool.close()


def start_video_service(
    settings: Settings,
    db: Database,
    *,
    options: WorkerOptions | None = None,
    registry: CollectorRegistry | None = REGISTRY,
    port: int | None = None,
    sink: SampleSink | None = None,
    sims: dict[str, SimFrames] | None = None,
) -> VideoService:
    """Start cameras and the HTTP/WebRTC service; raises OSError if the port is taken and
    psycopg errors if the database cannot be reached. `sink`: where samples and events go
    (default: the database); `sims`: the sim's frame sources per centre (default: built from
    the centre's reference data)."""
    pool = db.pool("hallwatch-video", max_size=4)
    metrics = VideoMetrics(registry)
    worker = VideoWorker(
        settings, pool, metrics, options or WorkerOptions(), sink=sink, sims=sims or {}
    )
    try:
        worker.start()
    except BaseException:
        worker.stop()
        pool.close()
        raise
    signalling = Signalling(worker, settings.secret_key.get_secret_value())
    service = VideoService(worker, signalling, pool, port or settings.video_port)
    service.thread = threading.Thread(
        target=service._serve, args=(settings.host,), name="video-http", daemon=True
    )
    service.thread.start()
    service.ready.wait(15)
    if service.error is not None:
        worker.stop()
        pool.close()
        raise service.error
    log.info(
        "video service on http://%s:%d (%d cameras)",
        settings.host,
        service.port,
        len(worker.cameras),
    )
    return service
