"""The alert engine's Prometheus metrics (one module per package; each takes `registry=`)."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class AlertMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.open_alerts = Gauge(
            "hallwatch_alerts_open",
            "Active (open, acknowledged or assigned) alerts by rule and level",
            ["rule", "level"],
            registry=registry,
        )
        self.evaluation_seconds = Histogram(
            "hallwatch_alert_evaluation_seconds",
            "Time to evaluate one batch of the event tail, of timers or one periodic job",
            ["job"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.timer_lag_seconds = Histogram(
            "hallwatch_alert_timer_lag_seconds",
            "How late a clock fired after its next_fire_at",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.events = Counter(
            "hallwatch_alert_events_evaluated_total",
            "Events read by the event tail",
            registry=registry,
        )
        self.raised = Counter(
            "hallwatch_alerts_raised_total",
            "Alerts raised, by rule and level",
            ["rule", "level"],
            registry=registry,
        )
        self.notifications = Counter(
            "hallwatch_notifications_total",
            "Notification attempts by channel kind and outcome (sent, retry, failed)",
            ["kind", "outcome"],
            registry=registry,
        )

    def set_open(self, counts: dict[tuple[str, str], int]) -> None:
        self.open_alerts.clear()
        for (rule, level), n in counts.items():
            self.open_alerts.labels(rule, level).set(n)
