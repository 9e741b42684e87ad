"""Live mode and video: history then paced events, sim:// cameras, H.264 files, av frames."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import av
import numpy as np
import pytest

from core.events import parse_event
from sim import video
from sim.clock import CST
from sim.config import HallConfig, SimConfig
from sim.dataset import generate
from sim.live import LiveSim

NOW = datetime(2025, 9, 23, 10, 0, tzinfo=CST)  # a Tuesday morning
CONFIG = SimConfig(hall=HallConfig(windows=12, departments=5))


@pytest.fixture
def live():
    sim = LiveSim(seed=5, now=NOW, speed=1.0, config=CONFIG)
    yield sim
    sim.close()


def test_history_preloads_the_day_before_now_and_matches_the_dataset(live):
    history = list(live.history())
    times = [datetime.fromisoformat(e["occurred_at"]) for e in history]

    assert times == sorted(times)
    assert NOW - timedelta(days=1) <= times[0] and times[-1] < NOW
    assert all(parse_event(e) for e in history)
    start = NOW - timedelta(days=1)
    assert start.hour == 10
    dataset = generate(CONFIG.model_copy(update={"seed": 5, "start": start.date(), "days": 2}))
    expected = [
        e for e in dataset.events if start <= datetime.fromisoformat(e["occurred_at"]) < NOW
    ]
    assert history == expected


def test_seat_samples_are_the_twins_truth_each_minute_of_opening_hours(live):
    rows = list(live.seat_samples())
    sessions = live.hall.center.schedule.sessions
    assert len({r[2] for r in rows}) == len(live.hall.cameras)  # every window's camera
    for at, _camera, window, _seat, occupied, _score, status in rows[::37]:
        t = int(at.timestamp())
        local = at.astimezone(CST)
        assert local.second == 0 and NOW - timedelta(days=1) <= local < NOW
        assert any(s.start <= local.time() < s.end for s in sessions)
        wd = live.twin.window_day(window, t)
        broken = any(s <= t < e for s, e, _ in wd.faults)
        assert (status != "ok") == broken and (occupied is None) == broken
        assert broken or occupied == any(s <= t < e for s, e in wd.occupied)
    assert {r[4] for r in rows} >= {True, False}  # people come and go
    later = list(live.seat_samples(since=rows[-10][0] + timedelta(seconds=1)))
    assert later == [r for r in rows if r[0] > rows[-10][0]]  # a restart adds only what is new


def test_upcoming_events_follow_history_in_order_with_wall_clock_due_times(live):
    last = list(live.history())[-1]
    upcoming = live.upcoming()
    first = [next(upcoming) for _ in range(200)]

    dues = [d for d, _ in first]
    assert dues == sorted(dues)
    assert datetime.fromisoformat(first[0][1]["occurred_at"]) >= datetime.fromisoformat(
        last["occurred_at"]
    )
    assert first[0][0] - live.wall_time(NOW.timestamp()) < 60  # live activity within a minute


def test_stream_delivers_events_to_an_async_sink_at_fast_forward_speed():
    sim = LiveSim(seed=5, now=NOW, speed=600.0, config=CONFIG)
    list(sim.history())
    got: list[dict] = []
    stop = asyncio.Event()

    async def sink(event):
        got.append(event)
        if len(got) >= 5:
            stop.set()

    asyncio.run(asyncio.wait_for(sim.stream(sink, stop), timeout=30))
    sim.close()
    assert len(got) == 5


def test_a_sim_camera_url_opens_the_live_twins_window(live):
    window = live.hall.windows[0].code
    camera = video.open_camera(f"sim://{window}")

    frame = camera.read()
    assert frame.shape == (360, 640, 3)
    assert camera.seat_roi == live.frames.seat_roi(window)
    frames = camera.video_frames(fps=5, realtime=False)
    first, second = next(frames), next(frames)
    assert isinstance(first, av.VideoFrame) and (first.width, first.height) == (640, 360)
    assert second.pts == first.pts + 1
    with pytest.raises(ValueError):
        video.open_camera("rtsp://example/1")


def test_write_mp4_encodes_h264_that_decodes_back_to_the_same_scene(live, tmp_path):
    window = live.hall.windows[1].code
    path = tmp_path / "clip.mp4"
    start = NOW.timestamp()
    written = video.write_mp4(live.frames, window, start, seconds=4, path=path, fps=5)

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
    assert written == len(decoded) == 20
    original = live.frames.frame(window, start)
    assert np.abs(decoded[0].astype(int) - original.astype(int)).mean() < 6
