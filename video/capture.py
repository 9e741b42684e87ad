"""Reading a camera with PyAV: demux every packet (the evidence ring needs them), decode only
what the analysis needs (keyframes, or everything from a low-resolution sub-stream), reconnect
with exponential backoff. One thread per camera; many cameras per process.

`iter_file` is the same decoding for a local file, sample by sample, used by the CLI, the tests
and the benchmarks."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import av
import av.container
import numpy as np

from video.geometry import analysis_size

log = logging.getLogger(__name__)


class SourceKind(StrEnum):
    RTSP = "rtsp"
    HTTP = "http"
    FILE = "file"
    SIM = "sim"


def source_kind(url: str) -> SourceKind:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("rtsp", "rtsps"):
        return SourceKind.RTSP
    if scheme in ("http", "https"):
        return SourceKind.HTTP
    if scheme == "sim":
        return SourceKind.SIM
    return SourceKind.FILE


def open_options(url: str) -> dict[str, str]:
    """Demuxer options per source: RTSP over TCP with socket timeouts, HTTP reconnects."""
    kind = source_kind(url)
    if kind == SourceKind.RTSP:
        return {"rtsp_transport": "tcp", "timeout": "5000000", "max_delay": "500000"}
    if kind == SourceKind.HTTP:
        return {"reconnect": "1", "rw_timeout": "5000000"}
    return {}


def backoff_delay(attempt: int, base: float = 1.0, cap: float = 60.0, jitter: float = 0.2) -> float:
    """Seconds to wait before reconnect `attempt` (1, 2, …): doubling up to `cap`, ± jitter."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay * (1 + random.uniform(-jitter, jitter))


@dataclass(slots=True)
class Sample:
    """One picture handed to the analysis."""

    at: datetime  # wall-clock time it was taken
    pts: float | None  # stream time in seconds
    small: np.ndarray  # BGR analysis image
    frame: av.VideoFrame | np.ndarray | None  # the full picture (converted only when needed)

    def full(self) -> np.ndarray | None:
        if self.frame is None or isinstance(self.frame, np.ndarray):
            return self.frame
        return self.frame.to_ndarray(format="bgr24")


def small_image(frame: av.VideoFrame, width: int) -> np.ndarray:
    """Scale and convert in one swscale pass (area averaging)."""
    w, h = analysis_size((frame.width, frame.height), width)
    return frame.reformat(w, h, "bgr24", interpolation="AREA").to_ndarray()


PacketSink = Callable[[av.Packet, av.video.stream.VideoStream, float], None]
SampleSink = Callable[[Sample], None]
StatusSink = Callable[[bool, str], None]  # connected?, detail


@dataclass
class CaptureConfig:
    url: str
    analysis_fps: float = 1.0
    keyframes_only: bool = True  # decode keyframes only (main streams); False for sub-streams
    width: int = 160
    realtime: bool = False  # pace a file like a live camera
    loop: bool = False  # start a file again at its end


class StreamCapture:
    """One camera's reading thread: packets to `on_packet`, sampled pictures to `on_sample`,
    connection changes to `on_status`."""

    def __init__(
        self,
        config: CaptureConfig,
        on_sample: SampleSink,
        on_packet: PacketSink | None = None,
        on_status: StatusSink | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.config = config
        self.on_sample, self.on_packet = on_sample, on_packet
        self.on_status = on_status or (lambda ok, detail: None)
        self.stop = stop or threading.Event()
        self.attempt = 0
        self.packets = 0
        self.decoded = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self._session()
                if not self.config.loop:
                    self.on_status(False, "end of stream")
                    return
            except (av.FFmpegError, OSError) as exc:
                self.attempt += 1
                delay = backoff_delay(self.attempt)
                log.warning("camera %s: %s; retry in %.1f s", _safe(self.config.url), exc, delay)
                self.on_status(False, str(exc)[:200])
                self.stop.wait(delay)

    def _session(self) -> None:
        cfg = self.config
        container = av.open(cfg.url, options=open_options(cfg.url), timeout=(10.0, 10.0))
        try:
            stream = container.streams.video[0]
            if cfg.keyframes_only:
                stream.codec_context.skip_frame = "NONKEY"
            self.attempt = 0
            self.on_status(True, f"{stream.codec_context.name} {stream.width}x{stream.height}")
            self._read(container, stream)
        finally:
            container.close()

    def _read(
        self, container: av.container.InputContainer, stream: av.video.stream.VideoStream
    ) -> None:
        cfg = self.config
        started, first_pts, next_at = time.monotonic(), None, 0.0
        for packet in container.demux(stream):
            if self.stop.is_set():
                return
            if packet.dts is None:
                continue
            self.packets += 1
            pts = float(packet.pts * packet.time_base) if packet.pts is not None else None
            if cfg.realtime and pts is not None:
                first_pts = pts if first_pts is None else first_pts
                wait = (pts - first_pts) - (time.monotonic() - started)
                if wait > 0 and self.stop.wait(wait):
                    return
            if self.on_packet is not None:
                self.on_packet(packet, stream, time.time())
            for frame in packet.decode():
                self.decoded += 1
                now = time.monotonic()
                if now >= next_at:
                    next_at = now + 1.0 / cfg.analysis_fps
                    small = small_image(frame, cfg.width)
                    self.on_sample(Sample(datetime.now(UTC), frame.time, small, frame))


def _safe(url: str) -> str:
    """The URL without credentials, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def iter_file(
    path: Path | str, fps: float, width: int = 160, full: bool = False
) -> Iterator[tuple[float, np.ndarray, np.ndarray | None]]:
    """(sample time, analysis image, full BGR picture or None) at `fps` samples per second of
    stream time: for each time k/fps the first picture at or after it."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        k = 0
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if t + 1e-6 < k / fps:
                continue
            while (k + 1) / fps <= t + 1e-6:
                k += 1  # the stream skipped past several sample times: take the latest
            img = frame.to_ndarray(format="bgr24") if full else None
            yield round(k / fps, 3), small_image(frame, width), img
            k += 1


def frame_at(path: Path | str, seconds: float, width: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """(analysis image, full BGR picture) of the first picture at or after `seconds`."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        container.seek(int(max(seconds - 2, 0) / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if (frame.time or 0.0) + 1e-6 >= seconds:
                return small_image(frame, width), frame.to_ndarray(format="bgr24")
    raise ValueError(f"{path} has no picture at or after {seconds} s")
