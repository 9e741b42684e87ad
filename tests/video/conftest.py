"""Video fixtures: the real clip and its labels, a Constrained Baseline H.264 file drawn from the
sim (for passthrough), the sim's frame source for the small hall, a running video service."""

from __future__ import annotations

import fractions
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import psycopg
import pytest
from prometheus_client import CollectorRegistry

from core.settings import Settings, load_settings
from hallwatch.demo import seed_hall, seed_users
from store.db import Database, ensure_database
from tests.fix_people import small_hall

_counter = itertools.count()

CLIP = Path("/work/shared/datasets/counter-one-by-one.mp4")
LABELS = Path(__file__).resolve().parents[2] / "bench" / "data" / "counter-one-by-one.labels.csv"


def write_h264(path: Path, frames: list[np.ndarray], fps: int = 10, gop: int = 10) -> Path:
    """Encode BGR frames as H.264 Constrained Baseline MP4 (what browsers take unchanged)."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        st = out.add_stream("libx264", rate=fps)
        st.width, st.height, st.pix_fmt = w, h, "yuv420p"
        st.codec_context.options = {
            "preset": "ultrafast",
            "profile": "baseline",
            "g": str(gop),
            "bf": "0",
        }
        st.codec_context.time_base = fractions.Fraction(1, fps)
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            frame.time_base = fractions.Fraction(1, fps)
            for p in st.encode(frame):
                out.mux(p)
        for p in st.encode(None):
            out.mux(p)
    return path


@pytest.fixture(scope="session")
def sim_frames():
    from video.sim_source import SimFrames

    return SimFrames(small_hall())


@pytest.fixture(scope="session")
def baseline_mp4(tmp_path_factory: pytest.TempPathFactory, sim_frames) -> Path:
    """12 s of window YY-ZW-W01 at 10 fps, 640x360, a keyframe every second."""
    start = 1_758_000_000.0  # a working-day morning in the sim
    frames = []
    for i in range(120):
        img = sim_frames.frame("YY-ZW-W01", start + i / 10)
        frames.append(img if img is not None else np.zeros((360, 640, 3), np.uint8))
    return write_h264(tmp_path_factory.mktemp("h264") / "baseline.mp4", frames)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture(scope="module")
def module_db(pg_server, pg_template) -> Iterator[Database]:
    """A migrated database shared by one test module (the small hall and demo users in it)."""
    name = f"tv_{os.getpid()}_{next(_counter)}"
    ensure_database(pg_server.uri("postgres"), name, template=pg_template)
    database = Database(pg_server.uri(name), pg_server)
    with database.connect(autocommit=True) as conn:
        hall = small_hall()
        seed_hall(conn, hall)
        seed_users(conn, hall)
    yield database
    with psycopg.connect(pg_server.uri("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def module_settings(module_db, tmp_path_factory) -> Settings:
    data = tmp_path_factory.mktemp("video-var")
    return load_settings({}, database_url=module_db.url, data_dir=str(data))


@pytest.fixture(scope="module")
def video_service(module_db, module_settings, baseline_mp4) -> Iterator[object]:
    """The video service on a free port: the small hall's sim cameras plus a file camera
    (Constrained Baseline H.264, looping), one per test module."""
    from hallwatch.console_proc import free_port
    from store.repos import video as repo
    from video.service import start_video_service
    from video.worker import WorkerOptions

    with module_db.connect(autocommit=True) as conn:
        repo.save_camera(
            conn,
            "YY-ZW-FILE",
            center_code="YY-ZW",
            window_code=None,
            name="文件摄像机",
            url=str(baseline_mp4),
        )
    svc = start_video_service(
        module_settings,
        module_db,
        registry=CollectorRegistry(),
        port=free_port(),
        options=WorkerOptions(sample_seconds=1.0, reload_seconds=1.0),
    )
    yield svc
    svc.stop()
