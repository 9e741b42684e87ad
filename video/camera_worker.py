"""One camera in the video worker: its capture thread (PyAV stream or the sim), the evidence
ring, the latest picture, and the analysis of every sampled picture. Thread-safe: the capture
thread, the writer's tick and HTTP requests all come here."""

from __future__ import annotations

import fractions
import io
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import av
import cv2
import numpy as np

from video.analysis import CameraAnalysis, Outcome
from video.cameras import CameraConfig, sim_window
from video.capture import CaptureConfig, Sample, SourceKind, StreamCapture
from video.evidence import PacketRing, mask_privacy
from video.geometry import ANALYSIS_WIDTH, View, analysis_size
from video.health import HealthMonitor, HealthPolicy
from video.metrics import VideoMetrics
from video.presence import SeatState
from video.sim_source import SimFrames

log = logging.getLogger(__name__)

SIM_CLIP_SIZE = (320, 180)  # the sim's evidence ring is encoded small: it is a simulation


class CameraWorker:
    def __init__(
        self,
        cam: CameraConfig,
        metrics: VideoMetrics,
        *,
        sim: SimFrames | None = None,
        calibration: np.ndarray | None = None,
        ring_seconds: float = 60.0,
        policy: HealthPolicy | None = None,
    ) -> None:
        self.cam, self.metrics, self.sim = cam, metrics, sim
        self.policy = policy or HealthPolicy()
        self.calibration = calibration  # a full-size picture of the empty seats
        self.calibration_id: int | None = None  # its camera_calibrations row, if stored
        self.ring = PacketRing(ring_seconds)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.analysis: CameraAnalysis | None = None
        self.latest: Sample | None = None
        self.outcome: Outcome | None = None
        self.connected = False
        self._silent = HealthMonitor(self.policy)  # health before the first picture (offline)
        self.thread = threading.Thread(target=self._run, name=f"camera-{cam.code}", daemon=True)

    # ------------------------------------------------------------ life cycle

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def _run(self) -> None:
        if self.cam.kind == SourceKind.SIM:
            SimCapture(self).run()
            return
        config = CaptureConfig(
            self.cam.analysis_url,
            analysis_fps=self.cam.analysis_fps,
            keyframes_only=self.cam.keyframes_only,
            realtime=self.cam.kind == SourceKind.FILE,
            loop=self.cam.kind == SourceKind.FILE,
        )
        StreamCapture(config, self.on_sample, self.ring.push, self.on_status, self.stop_event).run()

    def on_status(self, connected: bool, detail: str) -> None:
        if self.connected and not connected:
            self.metrics.reconnects.labels(self.cam.code).inc()
        self.connected = connected
        log.info("camera %s %s: %s", self.cam.code, "up" if connected else "down", detail)

    # ------------------------------------------------------------ analysis

    def _seats(self) -> tuple:
        if self.cam.seats:
            return self.cam.seats
        if self.sim is not None and self.cam.kind == SourceKind.SIM:
            return (self.sim.seat(sim_window(self.cam.url)),)
        return ()

    def _build(self, size: tuple[int, int]) -> CameraAnalysis:
        analysis = CameraAnalysis(View(size, self._seats(), self.cam.masks), policy=self.policy)
        if self.calibration is not None:
            analysis.calibrate(analysis.view.small(self.calibration))
        return analysis

    def on_sample(self, sample: Sample) -> None:
        started = time.perf_counter()
        with self.lock:
            self.latest = sample
            size = _size(sample)
            if self.analysis is None or self.analysis.view.source_size != size:
                self.analysis = self._build(size)
            self.outcome = self.analysis.step(sample.at, sample.small)
        self.metrics.frames.labels(self.cam.code).inc()
        self.metrics.analysis_seconds.observe(time.perf_counter() - started)

    def tick(self, now: datetime) -> Outcome:
        """The outcome to report at `now`: the last one, or a picture-less step when the camera
        has gone quiet (health then turns offline after its timeout)."""
        quiet = 2.0 / self.cam.analysis_fps + 2.0
        with self.lock:
            fresh = self.latest is not None and (now - self.latest.at).total_seconds() < quiet
            if fresh and self.outcome is not None:
                return self.outcome
            if self.analysis is not None:
                self.outcome = self.analysis.step(now, None)
                return self.outcome
            change = self._silent.observe(now, None)
            seats = [SeatState(i, None, None) for i in range(max(1, len(self._seats())))]
            self.outcome = Outcome(now, self._silent.status, change, seats)
            return self.outcome

    # ------------------------------------------------------------ pictures

    def picture(self) -> np.ndarray | None:
        """The latest full picture, privacy masks painted out."""
        with self.lock:
            sample = self.latest
        img = None if sample is None else sample.full()
        return None if img is None else mask_privacy(img, self.cam.masks)

    def calibrate_now(self) -> np.ndarray:
        """Take the latest picture as the empty-seat reference; returns it (unmasked)."""
        with self.lock:
            sample = self.latest
            img = None if sample is None else sample.full()
            if img is None:
                raise LookupError(f"camera {self.cam.code} has no picture yet")
            self.calibration = img
            self.analysis = self._build((img.shape[1], img.shape[0]))
        return img


def _size(sample: Sample) -> tuple[int, int]:
    f = sample.frame
    if isinstance(f, np.ndarray):
        return f.shape[1], f.shape[0]
    if f is not None:
        return f.width, f.height
    return sample.small.shape[1], sample.small.shape[0]


class SimCapture:
    """The sim's camera: draw the picture of `now` at the analysis rate, hand it over, and keep
    a small H.264 encoding of it in the evidence ring so clips work as for real cameras."""

    def __init__(self, worker: CameraWorker) -> None:
        self.worker = worker
        self.window = sim_window(worker.cam.url)
        self._holder: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._n = 0

    def run(self) -> None:
        w = self.worker
        sim = w.sim
        if sim is None or not sim.has(self.window):
            log.warning("camera %s: the sim has no window %s", w.cam.code, self.window)
            return
        period = 1.0 / w.cam.analysis_fps
        while not w.stop_event.is_set():
            started = time.monotonic()
            now = time.time()
            img = sim.frame(self.window, now)
            if img is not None:
                w.connected = True
                small = cv2.resize(
                    img,
                    analysis_size((img.shape[1], img.shape[0]), ANALYSIS_WIDTH),
                    interpolation=cv2.INTER_AREA,
                )
                w.on_sample(Sample(datetime.fromtimestamp(now, UTC), now, small, img))
                self._encode(img, now)
            w.stop_event.wait(max(0.0, period - (time.monotonic() - started)))

    def _encode(self, img: np.ndarray, now: float) -> None:
        if self._stream is None:
            self._holder = av.open(io.BytesIO(), "w", format="mp4")
            st = self._holder.add_stream(
                "libx264", rate=max(1, round(self.worker.cam.analysis_fps))
            )
            st.width, st.height, st.pix_fmt = *SIM_CLIP_SIZE, "yuv420p"
            st.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency", "g": "10"}
            st.codec_context.time_base = fractions.Fraction(1, 1000)
            self._holder.start_encoding()  # fills the stream's parameters (the clip template)
            self._stream = st
        small = cv2.resize(img, SIM_CLIP_SIZE, interpolation=cv2.INTER_AREA)
        frame = av.VideoFrame.from_ndarray(small, format="bgr24").reformat(format="yuv420p")
        frame.pts = int(self._n * 1000 / self.worker.cam.analysis_fps)
        frame.time_base = fractions.Fraction(1, 1000)
        self._n += 1
        for packet in self._stream.encode(frame):
            self.worker.ring.push(packet, self._stream, now)


Factory = Callable[[CameraConfig], CameraWorker]
