"""Video metrics (`hallwatch_video_*`), one object per process, bound to a registry so tests use
a fresh `CollectorRegistry` (STYLE.md habit 9)."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from core.enums import CameraStatus


class VideoMetrics:
    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        reg = registry
        self.registry = reg
        self.frames = Counter(
            "hallwatch_video_frames_analysed_total", "Pictures analysed", ["camera"], registry=reg
        )
        self.analysis_seconds = Histogram(
            "hallwatch_video_analysis_duration_seconds",
            "Time to analyse one picture (health and every seat)",
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1),
            registry=reg,
        )
        self.reconnects = Counter(
            "hallwatch_video_capture_reconnects_total",
            "Times a camera's stream was lost and reconnected",
            ["camera"],
            registry=reg,
        )
        self.status = Gauge(
            "hallwatch_video_camera_status",
            "1 for the camera's current health status",
            ["camera", "status"],
            registry=reg,
        )
        self.samples = Counter(
            "hallwatch_video_presence_samples_total",
            "Presence samples written, by result (occupied, empty, unknown)",
            ["result"],
            registry=reg,
        )
        self.events = Counter(
            "hallwatch_video_events_total", "Events written, by kind", ["kind"], registry=reg
        )
        self.evidence = Counter(
            "hallwatch_video_evidence_total",
            "Evidence files written, by kind and outcome",
            ["kind", "outcome"],
            registry=reg,
        )
        self.viewers = Gauge(
            "hallwatch_video_live_viewers", "Live viewers now, by camera", ["camera"], registry=reg
        )
        self.offers = Counter(
            "hallwatch_video_offers_total",
            "WebRTC offers answered, by outcome (passthrough, transcode, refused, failed)",
            ["outcome"],
            registry=reg,
        )

    def set_status(self, camera: str, status: CameraStatus | None) -> None:
        for s in CameraStatus:
            self.status.labels(camera, s.value).set(1 if s == status else 0)
