"""Ingest metrics (`hallwatch_ingest_*`), one object per process, bound to a registry so tests
use a fresh `CollectorRegistry` (STYLE.md habit 9)."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from core.enums import EventKind

_KINDS = frozenset(k.value for k in EventKind)
OUTCOMES = ("accepted", "duplicate", "rejected")


def kind_label(kind: str | None) -> str:
    """A metric label for an event kind: unknown kinds share one label."""
    return kind if kind in _KINDS else "unknown"


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        reg = registry
        self.events = Counter(
            "hallwatch_ingest_events_total",
            "Events received, by kind and outcome (accepted, duplicate, rejected)",
            ["kind", "outcome"],
            registry=reg,
        )
        self.batch_size = Histogram(
            "hallwatch_ingest_batch_size",
            "Events per database batch (one transaction)",
            buckets=(1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 50_000),
            registry=reg,
        )
        self.batch_seconds = Histogram(
            "hallwatch_ingest_batch_duration_seconds",
            "Time to write and commit one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=reg,
        )
        self.queue_depth = Gauge(
            "hallwatch_ingest_queue_depth",
            "Events accepted by a source and waiting for the writer",
            registry=reg,
        )
        self.dead_letters = Counter(
            "hallwatch_ingest_dead_letters_total",
            "Inputs kept in dead_letters, by reason",
            ["reason"],
            registry=reg,
        )
        self.write_retries = Counter(
            "hallwatch_ingest_write_retries_total",
            "Batches retried after a database connection failure",
            registry=reg,
        )
        self.backpressure = Counter(
            "hallwatch_ingest_backpressure_total",
            "Submissions refused because the writer queue was full",
            registry=reg,
        )
        self.projected = Counter(
            "hallwatch_ingest_projected_events_total",
            "Events folded into the case, complaint and window projections",
            registry=reg,
        )
        self.recomputed = Counter(
            "hallwatch_ingest_recomputed_subjects_total",
            "Subjects rebuilt from all their events because an event arrived out of order",
            ["subject"],
            registry=reg,
        )
        self.projector_lag = Gauge(
            "hallwatch_ingest_projector_lag_events",
            "Events stored but not yet folded into the projections",
            registry=reg,
        )

    def count(self, kind: str | None, outcome: str, n: int = 1) -> None:
        if n:
            self.events.labels(kind_label(kind), outcome).inc(n)
