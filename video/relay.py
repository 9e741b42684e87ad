"""Live view: one source and one relay per camera, shared by every viewer.

* passthrough: the camera's H.264 packets go to every viewer unchanged (`PacketTrack`: demux
  only, in Annex B form — MP4 files store length-prefixed NAL units, which aiortc's packetiser
  does not split, so `h264_mp4toannexb` runs first; it leaves camera streams as they are). No
  decoding, no encoding. Only for H.264 Baseline / Constrained Baseline streams without privacy
  masks (browsers may refuse other profiles; masks need pixels). A new viewer starts at the
  camera's next keyframe.
* transcode: frames are decoded once, scaled to at most 640x360 and converted to yuv420p once in
  the source (several encoders converting one BGR frame at once crash aiortc, #767/#1206); each
  viewer's own VP8 encoder then reads the shared frames.

Viewers subscribe with `relay.subscribe(track, buffered=False)`. The source starts with the
first viewer and stops `grace` seconds after the last one leaves."""

from __future__ import annotations

import asyncio
import fractions
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import av
import av.bitstream
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.contrib.media import MediaPlayer, MediaRelay
from aiortc.mediastreams import MediaStreamError

from video.capture import SourceKind, backoff_delay, open_options, source_kind
from video.evidence import mask_privacy
from video.geometry import Polygon

log = logging.getLogger(__name__)

MAX_SIZE = (640, 360)
BASELINE_PROFILES = frozenset({"Baseline", "Constrained Baseline"})
VIDEO_CLOCK = 90_000


class LiveMode(StrEnum):
    AUTO = "auto"
    PASSTHROUGH = "passthrough"
    TRANSCODE = "transcode"


def choose_mode(
    preference: LiveMode, codec: str | None, profile: str | None, has_masks: bool
) -> LiveMode:
    """Passthrough only for H.264 a browser accepts and only without privacy masks."""
    if has_masks or codec != "h264" or preference == LiveMode.TRANSCODE:
        return LiveMode.TRANSCODE
    if preference == LiveMode.PASSTHROUGH or profile in BASELINE_PROFILES:
        return LiveMode.PASSTHROUGH
    return LiveMode.TRANSCODE


def fit(width: int, height: int, box: tuple[int, int] = MAX_SIZE) -> tuple[int, int]:
    """The largest even size within `box` keeping the aspect ratio (never upscaled)."""
    scale = min(1.0, box[0] / width, box[1] / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def probe(url: str) -> tuple[str | None, str | None]:
    """(codec name, profile) of the camera's video stream (blocking; run it in a thread)."""
    with av.open(url, options=open_options(url), timeout=(10.0, 10.0)) as c:
        ctx = c.streams.video[0].codec_context
        return ctx.name, ctx.profile


class Yuv420Track(MediaStreamTrack):
    """Frames of `upstream` scaled to fit 640x360 and converted to yuv420p once, here, with
    privacy masks painted out."""

    kind = "video"

    def __init__(self, upstream: MediaStreamTrack, masks: tuple[Polygon, ...] = ()) -> None:
        super().__init__()
        self.upstream = upstream
        self.masks = masks

    async def recv(self) -> av.VideoFrame:
        frame = await self.upstream.recv()
        w, h = fit(frame.width, frame.height)
        if self.masks:
            img = mask_privacy(frame.to_ndarray(format="bgr24"), self.masks)
            out = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(w, h, "yuv420p")
        else:
            out = frame.reformat(w, h, "yuv420p")
        out.pts, out.time_base = frame.pts, frame.time_base
        return out

    def stop(self) -> None:
        super().stop()
        self.upstream.stop()


class PacketTrack(MediaStreamTrack):
    """The camera's H.264 packets, Annex B, paced like a live camera when read from a file
    (which then loops with timestamps that keep increasing). Its reader thread starts on the
    first `recv` and reconnects with backoff."""

    kind = "video"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.is_file = source_kind(url) == SourceKind.FILE
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(maxsize=300)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if self._thread is None:
            loop = asyncio.get_running_loop()
            self._thread = threading.Thread(
                target=self._run, args=(loop,), name="live-packets", daemon=True
            )
            self._thread.start()
        packet = await self._queue.get()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet

    def stop(self) -> None:
        super().stop()
        self._stop.set()

    def _put(self, loop: asyncio.AbstractEventLoop, packet: av.Packet | None) -> None:
        def put() -> None:
            if self._queue.full():
                self._queue.get_nowait()  # a viewer that cannot keep up loses the oldest
            self._queue.put_nowait(packet)

        try:
            loop.call_soon_threadsafe(put)
        except RuntimeError:  # the event loop is gone: nobody is listening any more
            self._stop.set()

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        attempt, offset = 0, 0
        while not self._stop.is_set():
            try:
                offset = self._session(loop, offset)
                attempt = 0
                if not self.is_file:
                    continue
            except (av.FFmpegError, OSError) as exc:
                attempt += 1
                log.warning("live packets %s: %s", self.url, exc)
                if self._stop.wait(backoff_delay(attempt, cap=10)):
                    break
        self._put(loop, None)

    def _session(self, loop: asyncio.AbstractEventLoop, offset: int) -> int:
        """Read the stream once; returns the timestamp offset for the next pass of a file."""
        with av.open(self.url, options=open_options(self.url), timeout=(10.0, 10.0)) as c:
            stream = c.streams.video[0]
            bsf = av.bitstream.BitStreamFilterContext("h264_mp4toannexb", stream)
            started, first, last = time.monotonic(), None, offset
            for packet in c.demux(stream):
                if self._stop.is_set():
                    break
                if packet.pts is None:
                    continue
                if self.is_file:
                    first = packet.pts if first is None else first
                    due = float((packet.pts - first) * packet.time_base)
                    if self._stop.wait(max(0.0, due - (time.monotonic() - started))):
                        break
                pts = packet.pts + offset  # read before filtering: the filter takes the packet
                dts = (packet.pts if packet.dts is None else packet.dts) + offset
                time_base = packet.time_base
                for out in bsf.filter(packet):
                    out.pts, out.dts, out.time_base = pts, dts, time_base
                    last = max(last, pts)
                    self._put(loop, out)
            step = int(1 / (stream.average_rate or 10) / stream.time_base) if self.is_file else 0
            return last + step


Render = Callable[[float], "np.ndarray | None"]  # wall-clock seconds -> BGR picture or None


class RenderedTrack(MediaStreamTrack):
    """Frames drawn by a function of time (the sim's cameras), paced at `fps`, yuv420p."""

    kind = "video"

    def __init__(self, render: Render, fps: float = 10.0) -> None:
        super().__init__()
        self.render, self.fps = render, fps
        self._start: float | None = None
        self._n = 0

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        now = time.monotonic()
        if self._start is None:
            self._start = now
        due = self._start + self._n / self.fps
        if due > now:
            await asyncio.sleep(due - now)
        img = self.render(time.time())
        if img is None:  # offline: a black picture keeps the player alive
            img = np.zeros((MAX_SIZE[1], MAX_SIZE[0], 3), np.uint8)
        w, h = fit(img.shape[1], img.shape[0])
        frame = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(w, h, "yuv420p")
        frame.pts = int(self._n * VIDEO_CLOCK / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self._n += 1
        return frame


@dataclass
class LiveCamera:
    code: str
    url: str
    masks: tuple[Polygon, ...] = ()
    preference: LiveMode = LiveMode.AUTO


class LiveSource:
    """One camera's live source and relay; `subscribe` for each viewer, `release` when gone."""

    def __init__(self, camera: LiveCamera, render: Render | None = None, grace: float = 5.0):
        self.camera, self.render, self.grace = camera, render, grace
        self.mode: LiveMode | None = None
        self.viewers = 0
        self._player: MediaPlayer | None = None
        self._track: MediaStreamTrack | None = None
        self._relay: MediaRelay | None = None
        self._lock = asyncio.Lock()
        self._stopper: asyncio.TimerHandle | None = None

    async def subscribe(self) -> MediaStreamTrack:
        async with self._lock:
            if self._stopper is not None:
                self._stopper.cancel()
                self._stopper = None
            if self._track is None or self._track.readyState != "live":
                await self._start()
            assert self._relay is not None and self._track is not None
            self.viewers += 1
            return self._relay.subscribe(self._track, buffered=False)

    async def _start(self) -> None:
        cam = self.camera
        if source_kind(cam.url) == SourceKind.SIM:
            if self.render is None:
                raise LookupError(f"camera {cam.code}: no sim renderer for {cam.url}")
            self.mode, self._player = LiveMode.TRANSCODE, None
            track: MediaStreamTrack = RenderedTrack(self.render)
        else:
            codec, profile = await asyncio.to_thread(probe, cam.url)
            self.mode = choose_mode(cam.preference, codec, profile, bool(cam.masks))
            passthrough = self.mode == LiveMode.PASSTHROUGH
            if passthrough:
                track = PacketTrack(cam.url)
            else:
                self._player = MediaPlayer(
                    cam.url,
                    options=open_options(cam.url),
                    loop=source_kind(cam.url) == SourceKind.FILE,
                )
                track = Yuv420Track(self._player.video, cam.masks)
        self._track, self._relay = track, MediaRelay()
        log.info("live source %s started (%s)", cam.code, self.mode)

    def release(self) -> None:
        self.viewers = max(0, self.viewers - 1)
        if self.viewers == 0 and self._stopper is None:
            loop = asyncio.get_running_loop()
            self._stopper = loop.call_later(self.grace, self._stop_if_idle)

    def _stop_if_idle(self) -> None:
        self._stopper = None
        if self.viewers == 0 and self._track is not None:
            self._track.stop()
            self._track, self._relay, self._player = None, None, None
            log.info("live source %s stopped (no viewers)", self.camera.code)
