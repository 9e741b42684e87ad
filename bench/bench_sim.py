"""Digital twin: a 30-day dataset of a 40-window centre (events + truth, no frames) and the cost
of one synthetic 640×360 camera frame.

Baselines measured in the same run: writing the same events as JSONL without generating them
(the I/O floor), and decoding one 640×360 H.264 frame with PyAV (what a real camera costs)."""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from bench.common import Metric, record
from sim.config import HallConfig, SimConfig
from sim.dataset import Dataset, generate, write_events, write_truth
from sim.frames import FrameSource
from sim.video import write_mp4


def _dataset(tmp: Path) -> tuple[float, float, int, Dataset]:
    config = SimConfig(days=30, hall=HallConfig(windows=40))
    t0 = time.perf_counter()
    dataset = generate(config)
    write_events(dataset.events, tmp / "events.jsonl")
    write_truth(dataset.truth, tmp / "truth.json")
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    write_events(dataset.events, tmp / "again.jsonl")
    io_only = time.perf_counter() - t1
    return seconds, io_only, len(dataset.events), dataset


def _frame_times(source: FrameSource, start: float, n: int = 2000) -> list[float]:
    rng = random.Random(1)
    windows = source.window_codes
    moments = [(rng.choice(windows), start + rng.uniform(9 * 3600, 17 * 3600)) for _ in range(n)]
    for w in windows:
        source.frame(w, start + 10 * 3600)  # warm-up: the day's timelines, per-window sprites
    times = []
    for w, t in moments:
        a = time.perf_counter()
        source.frame(w, t)
        times.append(time.perf_counter() - a)
    return times


def _decode_times(source: FrameSource, start: float, tmp: Path) -> list[float]:
    path = tmp / "clip.mp4"
    write_mp4(source, source.window_codes[0], start + 10 * 3600, seconds=40, path=path, fps=5)
    times = []
    with av.open(str(path)) as container:
        frames = container.decode(container.streams.video[0])
        while True:
            a = time.perf_counter()
            frame = next(frames, None)
            if frame is None:
                break
            frame.to_ndarray(format="bgr24")
            times.append(time.perf_counter() - a)
    return times


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        seconds, io_only, events, dataset = _dataset(tmp)
        source, start = FrameSource(dataset.twins), dataset.start
        del dataset  # 180k event dicts would make the garbage collector part of frame timings
        gc.collect()
        frames = np.array(_frame_times(source, start)) * 1000
        decode = np.array(_decode_times(source, start, tmp)) * 1000
    load = os.getloadavg()[0]
    record(
        "sim",
        {
            "dataset_seconds_30d_40w": Metric(
                seconds,
                "s",
                baseline=io_only,
                goal=60,
                better="lower",
                note=f"{events} events + truth; baseline: writing the JSONL only",
            ),
            "events_per_s": Metric(events / seconds, "events/s", better="higher"),
            "frame_ms_p50": Metric(
                float(np.percentile(frames, 50)),
                "ms",
                baseline=float(np.percentile(decode, 50)),
                goal=5,
                better="lower",
                note="640x360 BGR; baseline: H.264 decode p50",
            ),
            "frame_ms_p99": Metric(
                float(np.percentile(frames, 99)),
                "ms",
                baseline=float(np.percentile(decode, 99)),
                goal=5,
                better="lower",
                note=f"baseline: H.264 decode p99; wall clock at load average {load:.1f}",
            ),
        },
    )
