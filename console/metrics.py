"""The console process's Prometheus metrics ("every process exports metrics").

Streamlit owns the console's HTTP port, so the metrics live on a port of their own
(`HALLWATCH_CONSOLE_METRICS_PORT`; unset: none), served from a daemon thread started once per
process: `/metrics` (process and connection-pool figures) and `/healthz`. `console/services.py`
hands its pool to `watch_pool` when it opens it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from psycopg_pool import ConnectionPool

log = logging.getLogger(__name__)

PORT_ENV = "HALLWATCH_CONSOLE_METRICS_PORT"
_lock = threading.Lock()
_served: dict[str, Any] = {}


def metrics_port(settings: object | None = None) -> int | None:
    """The port to serve on: the `console_metrics_port` setting once core/settings.py has it,
    until then `HALLWATCH_CONSOLE_METRICS_PORT`; None (or 0) means no metrics endpoint."""
    port = getattr(settings, "console_metrics_port", None)
    if port is None:
        raw = os.environ.get(PORT_ENV, "").strip()
        port = int(raw) if raw else None
    return port or None


class PoolCollector(Collector):
    """psycopg_pool's own statistics, read at scrape time."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        stats = self.pool.get_stats()
        gauges = {
            "pool_size": "Connections the pool holds (in use or idle)",
            "pool_available": "Idle connections ready for a page",
            "requests_waiting": "Page requests waiting for a connection",
        }
        for key, doc in gauges.items():
            yield GaugeMetricFamily(f"hallwatch_console_{key}", doc, value=stats.get(key, 0))
        yield CounterMetricFamily(
            "hallwatch_console_pool_requests",
            "Connections handed to pages since the process started",
            value=stats.get("requests_num", 0),
        )
        yield CounterMetricFamily(
            "hallwatch_console_pool_errors",
            "Failed connection attempts and connections lost",
            value=stats.get("connections_errors", 0) + stats.get("connections_lost", 0),
        )


def _handler(registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/healthz":
                body, kind = b"ok\n", "text/plain; charset=utf-8"
            elif self.path.split("?")[0] == "/metrics":
                body, kind = generate_latest(registry), CONTENT_TYPE_LATEST
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None  # scrapes every 15 s are not news

    return Handler


def serve(
    port: int, host: str = "0.0.0.0", registry: CollectorRegistry | None = None
) -> CollectorRegistry:
    """Serve `registry` (default: a new one with process metrics) on host:port once per
    process; later calls return the first server's registry."""
    with _lock:
        if "registry" in _served:
            return _served["registry"]
        registry = registry or CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        try:
            server = ThreadingHTTPServer((host, port), _handler(registry))
        except OSError as exc:
            log.warning("console metrics: cannot listen on %s:%s: %s", host, port, exc)
            _served["registry"] = registry  # do not retry on every page run
            return registry
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="console-metrics", daemon=True).start()
        log.info("console metrics on http://%s:%s/metrics", host, port)
        _served.update(registry=registry, server=server)
        return registry


def watch_pool(pool: ConnectionPool, settings: object | None = None) -> ConnectionPool:
    """Start the metrics endpoint if a port is configured, report `pool` on it; returns `pool`."""
    port = metrics_port(settings)
    if port is None:
        return pool
    registry = serve(port, getattr(settings, "host", "0.0.0.0"))
    with _lock:
        if not _served.get("pool_watched"):
            registry.register(PoolCollector(pool))
            _served["pool_watched"] = True
    return pool
