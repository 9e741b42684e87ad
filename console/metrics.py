"""The console process's Prometheus metrics ("every process exports metrics").

Streamlit owns the console's HTTP port, so the metrics live on a port of their own (setting
`console_metrics_port`, env `HALLWATCH_CONSOLE_METRICS_PORT`; unset: none), served from a daemon
thread started once per process: `/metrics` (process and connection-pool figures), `/healthz`.

Streamlit runs no code of ours until a browser opens a page, so the console is started as
`python -m console.metrics run app.py …` — the Streamlit command line with the endpoint started
first — and `console/services.py` hands its pool to `watch_pool` when a page first opens it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
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
    """The port to serve on: the `console_metrics_port` setting, else the environment's
    `HALLWATCH_CONSOLE_METRICS_PORT`; None (or 0) means no metrics endpoint."""
    port = getattr(settings, "console_metrics_port", None)
    if port is None:
        raw = os.environ.get(PORT_ENV, "").strip()
        port = int(raw) if raw else None
    return port or None


class PoolCollector(Collector):
    """psycopg_pool's own statistics, read at scrape time (zeros until a page opened the pool)."""

    def __init__(self, pool: Callable[[], ConnectionPool | None]) -> None:
        self.pool = pool

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        pool = self.pool()
        stats = pool.get_stats() if pool is not None else {}
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
        registry.register(PoolCollector(lambda: _served.get("pool")))
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
    """Report `pool` on this process's endpoint (started here if `main` did not and a port is
    configured); returns `pool`."""
    with _lock:
        running = "registry" in _served
    if not running:
        port = metrics_port(settings)
        if port is None:
            return pool
        serve(port, getattr(settings, "host", "0.0.0.0"))
    with _lock:
        _served.setdefault("pool", pool)
    return pool


def main(argv: list[str] | None = None) -> None:
    """`python -m console.metrics run app.py [streamlit options]`: the metrics endpoint, then
    Streamlit's own command line in this process."""
    from streamlit.web import cli

    from core.settings import load_settings

    settings = load_settings()
    port = metrics_port(settings)
    if port is not None:
        serve(port, settings.host)
    cli.main(args=sys.argv[1:] if argv is None else argv, prog_name="streamlit")


if __name__ == "__main__":
    main()
