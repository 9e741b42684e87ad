"""The ingest service, wired in start order: metrics, writer, projector, HTTP API, NATS consumer.

    hallwatch serve ingest                 → serve(settings): runs until SIGTERM / Ctrl-C
    start(settings, db) from hallwatch/stack.py → RunningIngest (threads) for `hallwatch up`
    service.submit(events, source)         → the Python entry for in-process sources (the sim)

Shutdown is graceful: the HTTP server stops taking requests and finishes the ones in flight,
then the writer flushes its queue (every acknowledged event is committed before the process
exits), then the projector stops.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from psycopg.types.json import set_json_loads

from core.settings import Settings
from ingest.api import ApiContext, create_app
from ingest.auth import KeyCache
from ingest.metrics import IngestMetrics
from ingest.projector import Projector
from ingest.validate import ReferenceIndex, Validator
from ingest.writer import Outcome, Submission, Writer, check_and_prepare
from store.db import Database
from store.migrate import migrate
from store.repos import ingest as ingest_repo
from store.repos.events import RowEncoder

log = logging.getLogger(__name__)


@dataclass
class IngestService:
    db_url: str
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    nats_url: str | None = None
    ack_timeout_s: float = 30.0  # an HTTP request waits this long for its commit, then 503
    stopping: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.metrics = IngestMetrics(self.registry)
        self.writer = Writer(self.connect, metrics=self.metrics, on_commit=self.wake.set)
        self.projector = Projector(metrics=self.metrics)
        self.reference = ReferenceIndex(self._reference_codes)
        self.keys = KeyCache(self._key)
        self.encoder = RowEncoder()
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ connections

    def connect(self, app: str = "hallwatch-ingest") -> psycopg.Connection[Any]:
        conn = psycopg.connect(
            self.db_url, application_name=app, connect_timeout=5, autocommit=True
        )
        set_json_loads(orjson.loads, conn)
        return conn

    def _reference_codes(self) -> Any:
        with self.connect("hallwatch-ingest-ref") as conn:
            return ingest_repo.reference_codes(conn)

    def _key(self, key_hash: str) -> ingest_repo.ApiKey | None:
        with self.connect("hallwatch-ingest-auth") as conn:
            return ingest_repo.api_key_by_hash(conn, key_hash)

    def health(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "writer": self.writer.alive,
            "queue_depth": self.writer.queue_depth,
        }
        try:
            with self.connect("hallwatch-ingest-health") as conn:
                report["projector_lag"] = self.projector.lag(conn)
            report["database"] = True
        except psycopg.Error:
            report["database"] = False
        report["status"] = "ok" if report["writer"] and report["database"] else "degraded"
        return report

    # ------------------------------------------------------------ lifecycle

    def start_workers(self) -> None:
        """The writer thread, the projector thread and (with NATS) the consumer thread."""
        self.writer.start()
        self._spawn("ingest-projector", self._project)
        if self.nats_url:
            self._spawn("ingest-nats", self._consume)

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _project(self) -> None:
        self.projector.loop(
            lambda: self.connect("hallwatch-projector"),
            self.stopping,
            self.wake,
            busy=self.writer.busy,
        )

    def _consume(self) -> None:
        from ingest.sources.nats import NatsConsumer

        consumer = NatsConsumer(str(self.nats_url), self.writer, Validator(self.reference))
        asyncio.run(consumer.run(self.stopping))

    def stop_workers(self, timeout: float = 30.0) -> None:
        """Flush the writer, then stop the projector and the consumer."""
        self.stopping.set()
        self.wake.set()
        self.writer.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)

    def app(self) -> FastAPI:
        ctx = ApiContext(
            writer=self.writer,
            keys=self.keys,
            reference=self.reference,
            metrics=self.metrics,
            registry=self.registry,
            health=self.health,
            ack_timeout_s=self.ack_timeout_s,
        )
        api = create_app(ctx)

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            yield
            await asyncio.to_thread(self.stop_workers)  # after in-flight requests finished

        api.router.lifespan_context = lifespan
        return api

    # ------------------------------------------------------------ in-process sources

    def submit(self, events: Iterable[Mapping[str, Any] | bytes], source: str) -> Outcome:
        """Validate and write events given as dicts or JSON bytes; waits for the commit."""
        validator = Validator(self.reference)
        prepared, rejects, _ = check_and_prepare(validator, enumerate(events), self.encoder)
        return self.writer.write(Submission(prepared, rejects, source))


def _uvicorn(app: FastAPI, settings: Settings) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.ingest_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=30,
    )
    return uvicorn.Server(config)


def serve(settings: Settings) -> None:
    """`hallwatch serve ingest`: migrate, start the workers, serve HTTP until a signal."""
    logging.getLogger().setLevel(settings.log_level)
    db = Database.open(settings)
    migrate(db.url)
    nats = settings.nats_url.get_secret_value() if settings.nats_url else None
    service = IngestService(db.url, nats_url=nats)
    service.start_workers()
    log.info("ingest API on http://%s:%d", settings.host, settings.ingest_port)
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again: make that
    # a normal exit, so the cleanup below runs and the exit code is 0.
    signal.signal(signal.SIGTERM, _exit_normally)
    sys.setswitchinterval(0.001)  # the writer thread gets the GIL back soon after its I/O
    try:
        _uvicorn(service.app(), settings).run()
    except KeyboardInterrupt:
        log.info("ingest stopped")
    finally:
        service.stop_workers()
        if db.server is not None:
            db.server.stop()


def _exit_normally(*_: object) -> None:
    raise SystemExit(0)


@dataclass
class RunningIngest:
    service: IngestService
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 30.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.service.stop_workers(timeout)


def start(settings: Settings, db: Database) -> RunningIngest:
    """Run the ingest service inside this process (for `hallwatch up`): workers and the HTTP
    server in background threads. `stop()` shuts it down gracefully."""
    nats = settings.nats_url.get_secret_value() if settings.nats_url else None
    service = IngestService(db.url, nats_url=nats)
    service.start_workers()
    server = _uvicorn(service.app(), settings)
    thread = threading.Thread(target=server.run, name="ingest-http", daemon=True)
    thread.start()
    return RunningIngest(service, server, thread)
