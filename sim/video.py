"""The twin's cameras as video: `sim://<window_code>` sources that video/ can capture like a real
camera, H.264 MP4 files of a time span, and av.VideoFrame generators at N fps."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from sim.frames import FrameSource

SCHEME = "sim://"
_SOURCES: list[tuple[FrameSource, Callable[[], float]]] = []


class CameraOffline(ConnectionError):
    """The simulated camera gives no picture (like an RTSP source that stopped answering)."""


def register(source: FrameSource, clock: Callable[[], float] = time.time) -> None:
    """Make `source`'s windows reachable as sim://<window_code>, with `clock` giving the
    simulated now (done by LiveSim)."""
    _SOURCES[:] = [(s, c) for s, c in _SOURCES if s is not source]
    _SOURCES.append((source, clock))


def unregister(source: FrameSource) -> None:
    _SOURCES[:] = [(s, c) for s, c in _SOURCES if s is not source]


def parse_url(url: str) -> str:
    if not url.startswith(SCHEME) or len(url) == len(SCHEME):
        raise ValueError(f"not a sim camera URL: {url!r} (expected sim://<window_code>)")
    return url[len(SCHEME) :].strip("/")


class SimCamera:
    """One simulated camera. `clock` gives the simulated instant (POSIX seconds) of 'now'."""

    def __init__(
        self, source: FrameSource, window_code: str, clock: Callable[[], float] = time.time
    ) -> None:
        source.seat_roi(window_code)  # raises KeyError for an unknown window
        self.source, self.window_code, self.clock = source, window_code, clock

    @property
    def seat_roi(self) -> tuple[int, int, int, int]:
        return self.source.seat_roi(self.window_code)

    def read(self, t: float | None = None) -> np.ndarray:
        """The picture now (or at `t`); raises CameraOffline when the camera is down."""
        frame = self.source.frame(self.window_code, self.clock() if t is None else t)
        if frame is None:
            raise CameraOffline(f"sim://{self.window_code} is offline")
        return frame

    def video_frames(self, fps: float = 5.0, realtime: bool = True) -> Iterator[av.VideoFrame]:
        """Frames from now on at `fps`, paced in real time; offline spells are skipped, so
        timestamps jump like a stream that reconnects."""
        start_wall, start_sim, n = time.monotonic(), self.clock(), 0
        while True:
            if realtime:
                time.sleep(max(0.0, start_wall + n / fps - time.monotonic()))
            t = self.clock() if realtime else start_sim + n / fps
            frame = self.source.frame(self.window_code, t)
            if frame is not None:
                yield to_video_frame(frame, t - start_sim, fps)
            n += 1


def open_camera(url: str, clock: Callable[[], float] | None = None) -> SimCamera:
    """A registered twin's camera for sim://<window_code>, on the twin's clock unless given."""
    code = parse_url(url)
    for source, source_clock in reversed(_SOURCES):
        if code in source.window_codes:
            return SimCamera(source, code, clock or source_clock)
    raise KeyError(f"no simulated window {code!r}; is a LiveSim running?")


def to_video_frame(frame: np.ndarray, seconds: float, fps: float) -> av.VideoFrame:
    vf = av.VideoFrame.from_ndarray(frame, format="bgr24")
    vf.time_base = Fraction(1, round(fps))
    vf.pts = round(seconds * fps)
    return vf


def frames_between(
    source: FrameSource, window_code: str, start: float, end: float, fps: float
) -> Iterator[tuple[float, np.ndarray | None]]:
    n = 0
    while start + n / fps < end:
        t = start + n / fps
        yield t, source.frame(window_code, t)
        n += 1


def write_mp4(
    source: FrameSource, window_code: str, start: float, seconds: float, path: Path, fps: int = 5
) -> int:
    """Encode the camera's view of [start, start + seconds) as H.264 MP4; returns frames written
    (offline spells leave a gap in the timestamps)."""
    written = 0
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {"preset": "veryfast", "crf": "28"}
        for t, frame in frames_between(source, window_code, start, start + seconds, fps):
            if frame is None:
                continue
            vf = av.VideoFrame.from_ndarray(frame, format="bgr24").reformat(format="yuv420p")
            vf.pts, vf.time_base = round((t - start) * fps), Fraction(1, fps)
            for packet in stream.encode(vf):
                container.mux(packet)
            written += 1
        for packet in stream.encode():
            container.mux(packet)
    return written
