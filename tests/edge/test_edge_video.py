"""The hall's video worker inside the edge agent, against real nats-servers (hall buffer, centre)
and a real PostgreSQL (the centre's database): presence from the sim's cameras travels through
the hall's buffer to central ingest, a WAN cut delays it without losing or repeating a sample,
and a seat left empty in the hall during the cut becomes a 空岗 alert at the centre."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import orjson
import pytest
from prometheus_client import CollectorRegistry

from alerts.engine import Engine
from core.settings import load_settings
from hallwatch.demo import seed_hall
from hallwatch.edge.agent import EdgeAgent, EdgeConfig
from hallwatch.edge.localnats import free_port
from hallwatch.edge.video import EdgeVideo
from ingest.service import IngestService
from ingest.sources.nats import DURABLE, STREAM, publish, subject
from store.db import make_pool
from tests.edge.central import read_stream
from tests.edge.fixtures import HALLWATCH
from tests.edge.inprocess import AgentThread, SeatScript, wait_for
from tests.fix_alerts import FixedClock
from tests.fix_people import small_hall
from video.client import VideoClient
from video.worker import WorkerOptions

W01, W02 = "YY-ZW-W01", "YY-ZW-W02"  # W01's clerk leaves during the cut; W02's stays
CAMS = (f"{W01}-CAM", f"{W02}-CAM")
VIDEO_KINDS = "('presence.sample', 'camera.health')"


@pytest.fixture
def centre_db(db, conn):
    """The centre's database: the small hall, two of its four sim cameras at 2 pictures/s."""
    seed_hall(conn, small_hall())
    conn.execute(
        "update cameras set enabled = code = any(%s), analysis_fps = 2, updated_at = now()",
        (list(CAMS),),
    )
    return db


@pytest.fixture
def ingest(centre_db, central) -> Iterator[IngestService]:
    service = IngestService(centre_db.url, nats_url=central.url)
    service.start_workers()
    yield service
    service.stop_workers(timeout=20)


@pytest.fixture
def hall_edge(centre_db, wan, tmp_path: Path) -> Iterator[tuple[AgentThread, EdgeVideo]]:
    """The hall's edge agent with its video worker, reaching the centre through the WAN link."""
    settings = load_settings(
        {}, database_url=centre_db.url, data_dir=str(tmp_path / "edge-data"),
        video_port=free_port(), host="127.0.0.1",
    )  # fmt: skip
    registry = CollectorRegistry()
    video = EdgeVideo(
        settings, "YY-ZW", registry=registry, sims={"YY-ZW": SeatScript(small_hall())},
        options=WorkerOptions(sample_seconds=1.0, event_seconds=2.0, reload_seconds=1.0),
    )  # fmt: skip
    config = EdgeConfig(
        center="YY-ZW", central_url=wan.url, buffer_dir=tmp_path / "edge-buffer",
        local_port=free_port(), port=free_port(),
    )  # fmt: skip
    agent = AgentThread(EdgeAgent(config, [video], registry)).start()
    yield agent, video
    agent.stop()


def count(conn: Any, sql: str, *args: Any) -> int:
    return int(next(iter(conn.execute(sql, args).fetchone().values())))


def central_video_events(conn: Any) -> int:
    return count(conn, f"select count(*) from events where kind in {VIDEO_KINDS}")


def seen_at_centre(conn: Any, camera: str, occupied: bool) -> int:
    return count(
        conn,
        "select count(*) from presence_samples where camera_code = %s and occupied = %s",
        camera,
        occupied,
    )


async def _resend(url: str, messages: list[dict[str, Any]]) -> int:
    """Every event again: with its Nats-Msg-Id (within the duplicate window), then without (as
    a resend after the window would arrive). Returns how many the stream took as new the first
    time."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    new = await publish(js, messages)
    for e in messages:
        await js.publish(subject(e), orjson.dumps(e))  # no Nats-Msg-Id
    await nc.close()
    return new


async def _consumer_idle(url: str) -> bool:
    nc = await nats.connect(url)
    info = await nc.jetstream().consumer_info(STREAM, DURABLE)
    await nc.close()
    return info.num_pending == 0 and info.num_ack_pending == 0


def test_presence_from_the_edge_survives_a_wan_cut_once_each_and_an_empty_seat_alerts(
    centre_db, conn, central, wan, ingest, hall_edge
):
    agent, video = hall_edge
    wait_for(lambda: video.health()["video"] == "ok", what="the video worker")
    for cam in CAMS:  # both clerks seen at their desks, through the buffer and central ingest
        wait_for(lambda cam=cam: seen_at_centre(conn, cam, True), what=f"{cam} at the centre")
    # a console whose video address is the edge's (and with the same secret) reaches its relay
    console = VideoClient(video.settings, "inspector")
    assert console.snapshot_jpeg(CAMS[0])[:2] == b"\xff\xd8"
    assert httpx.get(console.player_url(CAMS[0]), timeout=5).status_code == 200

    wan.cut()
    assert video.sims is not None
    script = video.sims["YY-ZW"]
    assert isinstance(script, SeatScript)
    script.leave(W01)
    wait_for(lambda: agent.health()["central"] == "disconnected", what="the uplink to notice")
    wait_for(lambda: (agent.health()["backlog"] or 0) > 5, what="samples waiting in the hall")
    time.sleep(4)  # W01 is seen empty (hysteresis) and both seats keep reporting
    assert seen_at_centre(conn, CAMS[0], False) == 0, "an empty sample crossed a cut WAN"
    waiting = agent.health()["backlog"]
    assert waiting > 5

    wan.restore()
    video.service.worker.stopping.set()  # no more samples: what was produced is now fixed
    time.sleep(1.5)  # a round in progress ends
    produced = video.sink.stored
    wait_for(lambda: agent.health()["backlog"] == 0, what="the hall buffer to drain")
    wait_for(lambda: central_video_events(conn) == produced, what="every event at the centre")

    # the same events again: within the duplicate window and after it
    arrived = [e for _, e in read_stream(central.url)]
    assert len(arrived) == produced
    assert asyncio.run(_resend(central.url, arrived)) == 0
    wait_for(lambda: asyncio.run(_consumer_idle(central.url)), what="central ingest to settle")
    ingest.projector.catch_up(ingest.connect())

    assert central_video_events(conn) == produced
    assert count(conn, "select count(distinct event_id) from events") == produced
    expected_rows = count(
        conn,
        "select count(*) from events where kind = 'presence.sample'"
        " or (kind = 'camera.health' and payload->>'status' <> 'ok')",
    )
    assert count(conn, "select count(*) from presence_samples") == expected_rows
    twice = count(
        conn,
        "select count(*) from (select 1 from presence_samples"
        " group by camera_code, seat, at having count(*) > 1) d",
    )
    assert twice == 0
    assert seen_at_centre(conn, CAMS[0], False) > 0
    assert seen_at_centre(conn, CAMS[1], False) == 0

    assert empty_windows_alerted(centre_db.url) == [W01]


def empty_windows_alerted(url: str) -> list[str]:
    """Run the central alert engine at 30 minutes into the next working day's first session
    (the seat was left empty before it opened, so it has been empty for those 30 minutes)."""
    pool = make_pool(url, "alerts-test", max_size=2)
    try:
        clock = FixedClock(datetime.now(UTC))
        engine = Engine(pool, worker="t", parts=1, clock=clock)
        engine.refresh(force=True)
        calendar = engine.ctx.calendar_for("610802")
        schedule = engine.ctx.schedule_for("YY-ZW", W01)
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0)
        clock.now = calendar.next_opening(tomorrow, schedule) + timedelta(minutes=30)
        for _ in range(20):
            if engine.step() == 0:
                break
        with pool.connection() as c:
            rows = c.execute(
                "select window_code from alerts where rule = 'window.empty' and status = 'open'"
                " order by window_code"
            ).fetchall()
        return [r["window_code"] for r in rows]
    finally:
        pool.close()


def test_edge_run_with_video_refuses_to_start_without_the_centres_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    cmd = [HALLWATCH, "edge", "run", "--center", "YY-ZW", "--video"]
    cmd += ["--buffer-dir", str(tmp_path / "buffer"), "--local-port", str(free_port())]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "HALLWATCH_DATABASE_URL" in done.stderr


def test_edge_run_with_video_runs_the_halls_cameras_and_sends_their_events(
    centre_db, central, edge_process, tmp_path
):
    video_port = free_port()
    edge = edge_process(
        "YY-ZW", central.url, "--video", "--video-port", str(video_port),
        HALLWATCH_DATABASE_URL=centre_db.url, HALLWATCH_DATA_DIR=str(tmp_path / "edge-data"),
    )  # fmt: skip
    health = wait_for(lambda: (h := edge.health()).get("video") == "ok" and h, timeout=60)
    assert health["cameras"] == 2
    metrics = httpx.get(f"{edge.url}/metrics", timeout=5).text
    assert 'hallwatch_video_frames_analysed_total{camera="YY-ZW-W01-CAM"}' in metrics
    assert "hallwatch_edge_video_up 1.0" in metrics
    player = httpx.get(f"http://127.0.0.1:{video_port}/healthz", timeout=5).json()
    assert player["cameras"] == 2
    kinds = wait_for(
        lambda: {e["kind"] for _, e in read_stream(central.url)} or None, what="video events"
    )
    assert kinds <= {"presence.sample", "camera.health"} and "camera.health" in kinds
