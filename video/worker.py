"""The video worker: one `CameraWorker` per enabled camera (capture thread + analysis), and
three loops in order — write presence samples and events every few seconds, produce requested
evidence, reload cameras whose settings changed (and purge old samples on plain PostgreSQL).

Where samples and events go is the worker's `sink`: by default (`hallwatch up`, `hallwatch
serve video`) straight into the database (`DatabaseSink`: presence rows by COPY and the events in
one transaction); on a hall's edge box (`hallwatch edge run --video`) into the hall's JetStream
buffer (hallwatch/edge/video.py), from where central ingest stores the events and the projector
derives the presence rows. Camera settings, calibrations and evidence requests are read from the
database in both cases.

`start_video_service(settings, db)` runs it together with the HTTP/WebRTC service and returns
a handle whose `stop()` ends everything."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from psycopg import Error as DbError
from psycopg_pool import ConnectionPool

from core.enums import CameraStatus
from core.settings import Settings
from store.repos import events as event_repo
from store.repos import reference
from store.repos import video as repo
from store.repos import video_evidence as evidence_repo
from video.camera_worker import CameraWorker
from video.cameras import CameraConfig, from_row, sim_window
from video.capture import SourceKind
from video.evidence import EvidenceError, evidence_path, sha256_file, write_clip, write_snapshot
from video.health import HealthPolicy
from video.metrics import VideoMetrics
from video.samples import EventPlan, presence_rows
from video.sim_source import SimFrames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    sample_seconds: float = 5.0  # presence samples per seat
    event_seconds: float = 60.0  # presence.sample heartbeat when nothing changes
    reload_seconds: float = 10.0
    evidence_seconds: float = 1.0
    retention: timedelta = timedelta(days=30)
    clip_before: float = 30.0
    clip_after: float = 30.0
    center_code: str | None = None  # only this centre's cameras (an edge box per hall)
    purge: bool = True  # delete samples older than `retention` (the centre's job, not an edge's)
    health: HealthPolicy = field(default_factory=HealthPolicy)


class SampleSink(Protocol):
    """Where one round of presence rows (`video.samples.presence_rows`) and events (validated
    envelope dicts, `video.samples.EventPlan`) goes. Called from the writer thread."""

    def write(self, rows: list[tuple[Any, ...]], events: list[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class DatabaseSink:
    """Rows by COPY and events (de-duplicated, under the events write lock) in one transaction."""

    pool: ConnectionPool

    def write(self, rows: list[tuple[Any, ...]], events: list[dict[str, Any]]) -> None:
        with self.pool.connection() as conn:
            repo.write_presence(conn, rows)
            event_repo.insert_events(conn, events)


@dataclass
class VideoWorker:
    settings: Settings
    pool: ConnectionPool
    metrics: VideoMetrics
    options: WorkerOptions = field(default_factory=WorkerOptions)
    sink: SampleSink | None = None  # None: DatabaseSink(pool)
    sims: dict[str, SimFrames] = field(default_factory=dict)  # per centre, built on first use
    cameras: dict[str, CameraWorker] = field(default_factory=dict)
    stopping: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)
    _version: datetime | None = None
    _plan: EventPlan = field(init=False)
    _sink: SampleSink = field(init=False)

    def __post_init__(self) -> None:
        self._plan = EventPlan(timedelta(seconds=self.options.event_seconds))
        self._sink = self.sink if self.sink is not None else DatabaseSink(self.pool)

    # ------------------------------------------------------------ start and stop

    def start(self) -> None:
        self.reload()
        for name, target in (
            ("video-writer", self._writer_loop),
            ("video-evidence", self._evidence_loop),
            ("video-reload", self._reload_loop),
        ):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        self.stopping.set()
        for w in self.cameras.values():
            w.stop()
        for t in self.threads:
            t.join(timeout=10)

    # ------------------------------------------------------------ cameras

    def reload(self) -> None:
        """Start workers for new or changed cameras, stop those removed or disabled."""
        with self.pool.connection() as conn:
            self._version = repo.settings_version(conn)
            rows = repo.cameras(conn, center_code=self.options.center_code, enabled_only=True)
            if self.options.center_code is None:  # a hall with its own video service runs its
                rows = [r for r in rows if not r.video_url]  # cameras at the edge, not here
            wanted = {r.code: from_row(r) for r in rows}
            for code, worker in list(self.cameras.items()):
                if wanted.get(code) != worker.cam or self._recalibrated(conn, worker):
                    worker.stop()
                    del self.cameras[code]
            for code, cam in wanted.items():
                if code not in self.cameras:
                    self.cameras[code] = self._worker(conn, cam)
                    self.cameras[code].start()
        log.info("video worker: %d cameras", len(self.cameras))

    def _recalibrated(self, conn, worker: CameraWorker) -> bool:  # type: ignore[no-untyped-def]
        cal = repo.latest_calibration(conn, worker.cam.code)
        return cal is not None and cal.id != worker.calibration_id

    def _worker(self, conn, cam: CameraConfig) -> CameraWorker:  # type: ignore[no-untyped-def]
        sim = self._sim(conn, cam) if cam.kind == SourceKind.SIM else None
        cal = repo.latest_calibration(conn, cam.code)
        image = None
        if cal is not None:
            image = cv2.imread(str(self.settings.data_dir / cal.path))
        elif sim is not None:
            image = sim.empty(sim_window(cam.url), datetime.now(UTC).timestamp())
        worker = CameraWorker(
            cam, self.metrics, sim=sim, calibration=image, policy=self.options.health
        )
        worker.calibration_id = None if cal is None else cal.id
        return worker

    def _sim(self, conn, cam: CameraConfig) -> SimFrames:  # type: ignore[no-untyped-def]
        if cam.center_code not in self.sims:
            self.sims[cam.center_code] = SimFrames(reference.load_hall(conn, cam.center_code))
        return self.sims[cam.center_code]

    def sim_for(self, code: str) -> SimFrames | None:
        w = self.cameras.get(code)
        return None if w is None else w.sim

    # ------------------------------------------------------------ loops

    def _loop(self, every: float, step, name: str) -> None:  # type: ignore[no-untyped-def]
        while not self.stopping.wait(every):
            try:
                step(datetime.now(UTC))
            except (DbError, OSError, EvidenceError) as exc:
                log.warning("%s: %s", name, exc)

    def _writer_loop(self) -> None:
        self._loop(self.options.sample_seconds, self.write_samples, "presence writer")

    def _evidence_loop(self) -> None:
        self._loop(self.options.evidence_seconds, self.serve_evidence, "evidence")

    def _reload_loop(self) -> None:
        last_purge = datetime.min.replace(tzinfo=UTC)

        def step(now: datetime) -> None:
            nonlocal last_purge
            with self.pool.connection() as conn:
                version = repo.settings_version(conn)
                if self.options.purge and now - last_purge > timedelta(hours=1):
                    repo.purge_presence(conn, now - self.options.retention)
                    last_purge = now
            if version != self._version:
                self.reload()

        self._loop(self.options.reload_seconds, step, "reload")

    def write_samples(self, now: datetime) -> int:
        rows, events = [], []
        for w in list(self.cameras.values()):
            outcome = w.tick(now)
            self.metrics.set_status(w.cam.code, outcome.status)
            rows += presence_rows(w.cam, outcome, now)
            events += self._plan.events(w.cam, outcome, now)
        self._sink.write(rows, events)
        for r in rows:
            self.metrics.samples.labels(
                "unknown" if r[4] is None else ("occupied" if r[4] else "empty")
            ).inc()
        for e in events:
            self.metrics.events.labels(e["kind"]).inc()
        return len(rows)

    # ------------------------------------------------------------ evidence

    def snapshot(
        self,
        code: str,
        by: str,
        *,
        reason: str | None = None,
        alert_id: int | None = None,
        now: datetime | None = None,
    ) -> int:
        """Write the camera's latest picture as a JPEG with its evidence row; returns the id."""
        worker = self.cameras[code]
        img = worker.picture()
        if img is None:
            raise EvidenceError(f"camera {code} has no picture yet")
        at = now or datetime.now(UTC)
        root = self.settings.evidence_dir
        name = f"snapshot-a{alert_id}" if alert_id else "snapshot"  # one tick may serve several
        stored = write_snapshot(img, evidence_path(root, code, at, name, "jpg"))
        return self._record("snapshot", stored, code, by, at, alert_id, reason=reason)

    def clip(self, code: str, at: datetime, by: str, alert_id: int | None = None) -> int:
        """The packets from `clip_before` s before `at` to `clip_after` s after, as MP4."""
        worker = self.cameras[code]
        start = at.timestamp() - self.options.clip_before
        end = at.timestamp() + self.options.clip_after
        held = worker.ring.cut(start, end)
        root = self.settings.evidence_dir
        name = f"clip-a{alert_id}" if alert_id else "clip"
        stored = write_clip(held, evidence_path(root, code, at, name, "mp4"))
        span = (datetime.fromtimestamp(held[0].at, UTC), datetime.fromtimestamp(held[-1].at, UTC))
        return self._record("clip", stored, code, by, at, alert_id, span=span)

    def _record(
        self,
        kind: str,
        stored: Any,
        code: str,
        by: str,
        at: datetime,
        alert_id: int | None,
        **extra: Any,
    ) -> int:
        """The evidence row of a file just written (path relative to the evidence folder)."""
        with self.pool.connection() as conn:
            eid = evidence_repo.add_evidence(
                conn, kind=kind, path=str(stored.path.relative_to(self.settings.evidence_dir)),
                sha256=stored.sha256, size=stored.size, camera_code=code,
                window_code=self.cameras[code].cam.window_code, requested_by=by, taken_at=at,
                alert_id=alert_id, **extra,
            )  # fmt: skip
        self.metrics.evidence.labels(kind, "ok").inc()
        return int(eid)

    def serve_evidence(self, now: datetime) -> None:
        with self.pool.connection() as conn:
            evidence_repo.request_alert_evidence(conn, now - timedelta(minutes=5))
            claimed = evidence_repo.claim_evidence_requests(conn, list(self.cameras), now)
        for req in claimed:
            self._serve(req, now)

    def _serve(self, req: evidence_repo.EvidenceRequest, now: datetime) -> None:
        ready_at = req.at + timedelta(seconds=self.options.clip_after + 1)
        try:
            if "snapshot" in req.kinds:
                self.snapshot(
                    req.camera_code,
                    req.requested_by,
                    reason=req.reason,
                    alert_id=req.alert_id,
                    now=now,
                )
            if "clip" in req.kinds:
                if now < ready_at:
                    with self.pool.connection() as conn:
                        evidence_repo.defer_request(conn, req.id, ready_at, ["clip"])
                    return
                self.clip(req.camera_code, req.at, req.requested_by, req.alert_id)
            error = None
        except (EvidenceError, KeyError, OSError) as exc:
            error = str(exc) or type(exc).__name__
            self.metrics.evidence.labels("request", "failed").inc()
        with self.pool.connection() as conn:
            evidence_repo.finish_request(conn, req.id, error, give_up=req.attempts >= 3)

    def calibrate(self, code: str, by: str) -> int:
        """Take the camera's latest picture as its empty-seat reference (stored as PNG)."""
        worker = self.cameras[code]
        img = worker.calibrate_now()
        at = datetime.now(UTC)
        path = Path("calibration") / f"{code}-{at:%Y%m%dT%H%M%S}.png"
        full = self.settings.data_dir / path
        full.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(full), img)
        with self.pool.connection() as conn:
            cid = repo.add_calibration(
                conn, code, str(path), sha256_file(full), (img.shape[1], img.shape[0]), by
            )
        worker.calibration_id = cid
        return cid

    def status(self) -> dict[str, dict[str, object]]:
        out: dict[str, dict[str, object]] = {}
        for code, w in self.cameras.items():
            o = w.outcome
            out[code] = {
                "status": (o.status or CameraStatus.OFFLINE).value if o else None,
                "connected": w.connected,
                "calibrated": bool(w.analysis and w.analysis.calibrated),
                "seats": [s.occupied for s in o.seats] if o else [],
            }
        return out


def picture_jpeg(img: np.ndarray, quality: int = 80) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise EvidenceError("JPEG encoding failed")
    return buf.tobytes()
