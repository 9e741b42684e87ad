"""The edge agent's Prometheus metrics (one module per package, STYLE.md habit 9)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class EdgeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.published = Counter(
            "hallwatch_edge_published",
            "Events written into the hall's buffer, by result (stored, duplicate, refused)",
            ["result"],
            registry=registry,
        )
        self.rejected = Counter(
            "hallwatch_edge_rejected",
            "Inputs refused at the edge as invalid events (the sender is told which field)",
            registry=registry,
        )
        self.forwarded = Counter(
            "hallwatch_edge_forwarded",
            "Events the centre acknowledged, by whether it had them already",
            ["duplicate"],
            registry=registry,
        )
        self.uplink_errors = Counter(
            "hallwatch_edge_uplink_errors",
            "Failed attempts to reach the centre or to have an event acknowledged there",
            ["reason"],
            registry=registry,
        )
        self.central_up = Gauge(
            "hallwatch_edge_central_up",
            "1 while the uplink holds a connection to the central NATS",
            registry=registry,
        )
        self.buffer_messages = Gauge(
            "hallwatch_edge_buffer_messages",
            "Events in the hall's buffer not yet acknowledged by the centre",
            registry=registry,
        )
        self.buffer_bytes = Gauge(
            "hallwatch_edge_buffer_bytes",
            "Bytes held by the hall's buffer stream",
            registry=registry,
        )
        self.last_forward = Gauge(
            "hallwatch_edge_last_forward_timestamp_seconds",
            "Unix time of the last event the centre acknowledged",
            registry=registry,
        )
        self.video_pending = Gauge(
            "hallwatch_edge_video_pending",
            "Video events (presence, camera health) waiting in memory for the buffer to take them",
            registry=registry,
        )
        self.video_up = Gauge(
            "hallwatch_edge_video_up",
            "1 while the hall's video worker runs (0: waiting for the centre's database)",
            registry=registry,
        )
