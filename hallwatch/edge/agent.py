"""`hallwatch edge run`: what a hall's edge box runs, listed in start order.

1. the hall's buffer — its own nats-server with JetStream under `<buffer_dir>` (or an existing
   local server given by URL), and the work-queue stream `HALLWATCH_EDGE` on it;
2. the publisher that device bridges and the video worker write through (`Nats-Msg-Id` =
   `event_id`);
3. the uplink, forwarding the buffer to the central stream in order, acking after the centre did;
4. the HTTP side: `POST /events` (device bridge), `/healthz`, `/metrics`;
5. extra workers given by the caller, each an `async (publisher, stopping) -> None`: with
   `--video`, the hall's video worker (hallwatch/edge/video.py), whose presence and camera
   health events go into the buffer like any device's.
While the WAN is down only step 3 waits; everything else goes on and the buffer grows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import nats
import uvicorn
from nats.js import JetStreamContext
from nats.js.errors import BadRequestError
from prometheus_client import CollectorRegistry

from hallwatch.edge.intake import create_app
from hallwatch.edge.localnats import NatsServer
from hallwatch.edge.metrics import EdgeMetrics
from hallwatch.edge.publisher import EdgePublisher
from hallwatch.edge.subjects import BUFFER_STREAM, buffer_stream_config
from hallwatch.edge.uplink import Uplink, sleep_unless

log = logging.getLogger(__name__)

Worker = Callable[[EdgePublisher, asyncio.Event], Awaitable[None]]


@runtime_checkable
class Reporting(Protocol):
    """A worker that adds to the agent's `/healthz` (e.g. the video worker)."""

    def health(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class EdgeConfig:
    center: str
    central_url: str | None
    buffer_dir: Path = Path("var/edge")
    local_url: str | None = None  # None: run our own nats-server on local_port
    local_port: int = 4222
    host: str = "127.0.0.1"
    port: int = 8610
    buffer_gib: float = 8.0
    batch: int = 256


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the agent's `stopping` event ends it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def ensure_buffer(js: JetStreamContext, gib: float) -> None:
    config = buffer_stream_config(gib)
    try:
        await js.add_stream(config)
    except BadRequestError:  # exists with another configuration (e.g. a new size limit)
        await js.update_stream(config)


class EdgeAgent:
    def __init__(
        self,
        config: EdgeConfig,
        workers: Sequence[Worker] = (),
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.config = config
        self.workers = tuple(workers)
        self.registry = registry or CollectorRegistry()
        self.metrics = EdgeMetrics(self.registry)
        self.server: NatsServer | None = None
        self.uplink: Uplink | None = None
        self.backlog: int | None = None

    def health(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "center": self.config.center,
            "buffer": "ok" if self.backlog is not None else "down",
            "backlog": self.backlog,
            "central": "connected" if self.uplink and self.uplink.connected else "disconnected",
        }
        for worker in self.workers:
            if isinstance(worker, Reporting):
                state.update(worker.health())
        return state

    async def run(self, stopping: asyncio.Event) -> None:
        c = self.config
        if c.local_url is None:
            # started from this (the main) thread: the server is told to end when it ends
            self.server = NatsServer(c.buffer_dir / "jetstream", port=c.local_port, host=c.host)
            self.server.start()
        url = c.local_url or self.server.url  # type: ignore[union-attr]
        local = await nats.connect(
            url, name=f"hallwatch-edge {c.center}", max_reconnect_attempts=-1
        )
        try:
            js = local.jetstream()
            await ensure_buffer(js, c.buffer_gib)
            publisher = EdgePublisher(js, self.metrics)
            tasks: list[Awaitable[None]] = [
                self._watch_buffer(js, stopping),
                self._serve_http(publisher, stopping),
            ]
            if c.central_url:
                self.uplink = Uplink(
                    js, c.central_url, self.metrics, center=c.center, batch=c.batch
                )
                tasks.append(self.uplink.run(stopping))
            else:
                log.warning("no central NATS URL: events stay in the hall buffer")
            tasks += [w(publisher, stopping) for w in self.workers]
            await asyncio.gather(*tasks)
        finally:
            await local.close()
            if self.server is not None:
                self.server.stop()

    async def _watch_buffer(self, js: JetStreamContext, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                info = await js.stream_info(BUFFER_STREAM)
            except (nats.errors.Error, TimeoutError) as exc:
                log.warning("hall buffer unreadable: %s", exc)
                self.backlog = None
            else:
                self.backlog = int(info.state.messages)
                self.metrics.buffer_messages.set(info.state.messages)
                self.metrics.buffer_bytes.set(info.state.bytes)
            await sleep_unless(stopping, 2.0)

    async def _serve_http(self, publisher: EdgePublisher, stopping: asyncio.Event) -> None:
        app = create_app(publisher, self.registry, self.health)
        config = uvicorn.Config(
            app, host=self.config.host, port=self.config.port, log_level="warning", lifespan="off"
        )
        server = _Server(config)
        serving = asyncio.create_task(server.serve())
        await stopping.wait()
        server.should_exit = True
        await serving
        log.info("edge agent for %s stopped", self.config.center)


async def run_until_signalled(agent: EdgeAgent) -> None:
    """Run the agent until SIGINT or SIGTERM (the CLI's entry)."""
    import signal

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await agent.run(stopping)
