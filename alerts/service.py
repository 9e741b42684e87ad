"""`hallwatch serve alerts`: the engine loop and the delivery worker in threads, and /metrics and
/healthz over HTTP. `start(settings, db)` is what `hallwatch up` calls; `serve` runs alone."""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from psycopg.types.json import set_json_loads

from alerts import deliver
from alerts.engine import Engine
from alerts.metrics import AlertMetrics
from core.settings import Settings
from store.db import Database

log = logging.getLogger(__name__)


@dataclass
class AlertService:
    engine: Engine
    threads: list[threading.Thread] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    http: ThreadingHTTPServer | None = None

    def stop(self) -> None:
        self.stopping.set()
        if self.http is not None:
            self.http.shutdown()
        for t in self.threads:
            t.join(timeout=10)
        self.engine.pool.close()


def _http(registry: CollectorRegistry, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/metrics"):
                body, ctype = generate_latest(registry), CONTENT_TYPE_LATEST
            elif self.path.startswith("/healthz"):
                body, ctype = b"ok\n", "text/plain"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="alerts-http", daemon=True).start()
    return server


def start(
    settings: Settings,
    db: Database,
    *,
    registry: CollectorRegistry | None = None,
    http: bool = True,
    worker: str | None = None,
) -> AlertService:
    """Start the engine and the delivery worker in this process (threads)."""
    set_json_loads(orjson.loads)  # payloads are read by the thousand: the fast parser
    registry = registry or CollectorRegistry()
    metrics = AlertMetrics(registry)
    pool = db.pool("hallwatch-alerts", max_size=4)
    name = worker or f"{socket.gethostname()}-{os.getpid()}"
    engine = Engine(pool, worker=name, metrics=metrics)
    service = AlertService(engine)
    base_url = f"http://{settings.host}:{settings.console_port}"
    service.threads = [
        threading.Thread(target=engine.run, args=(service.stopping,), name="alerts-engine"),
        threading.Thread(
            target=deliver.run,
            args=(pool, service.stopping, metrics, base_url),
            name="alerts-deliver",
        ),
    ]
    for t in service.threads:
        t.start()
    if http:
        service.http = _http(registry, settings.host, settings.alerts_port)
    log.info(
        "alert service %s started (metrics on %s:%s)", name, settings.host, settings.alerts_port
    )
    return service


def serve(settings: Settings, db: Database) -> None:
    """Run until interrupted."""
    service = start(settings, db)
    try:
        service.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
