"""The video worker against a real PostgreSQL: presence samples and the events the alert engine
folds, evidence for an alert about a window, an offline camera, and reloading changed cameras."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from core.enums import CameraStatus
from store.db import make_pool
from store.repos import video as repo
from store.repos import video_evidence as evidence_repo
from video.health import HealthPolicy
from video.metrics import VideoMetrics
from video.worker import VideoWorker, WorkerOptions


@pytest.fixture(scope="module")
def settings(module_settings):
    return module_settings


@pytest.fixture
def conn(module_db):
    with module_db.connect(autocommit=True) as c:
        yield c


@pytest.fixture(scope="module")
def worker(module_db, settings):
    pool = make_pool(module_db.url, "video-test", max_size=4)
    with pool.connection() as conn:
        repo.save_camera(
            conn,
            "YY-ZW-GONE",
            center_code="YY-ZW",
            window_code=None,
            name="断线摄像机",
            url=str(settings.data_dir / "missing.mp4"),
        )
    options = WorkerOptions(
        clip_before=3.0,
        clip_after=2.0,
        health=HealthPolicy(offline_after=timedelta(seconds=2)),
    )
    w = VideoWorker(settings, pool, VideoMetrics(CollectorRegistry()), options)
    w.reload()  # start the cameras only: the test drives the loops itself
    yield w
    w.stop()
    pool.close()


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def analysed(worker, code: str, n: int) -> bool:
    w = worker.cameras[code]
    return worker.metrics.frames.labels(code)._value.get() >= n and w.outcome is not None


def test_it_writes_presence_samples_and_the_events_the_alert_engine_folds(worker, conn):
    wait_for(lambda: all(analysed(worker, f"YY-ZW-W0{i}-CAM", 4) for i in range(1, 5)))
    now = datetime.now(UTC)
    worker.write_samples(now)
    rows = conn.execute(
        "select camera_code, occupied, camera_status from presence_samples order by camera_code"
    ).fetchall()
    assert {r["camera_code"] for r in rows} >= {f"YY-ZW-W0{i}-CAM" for i in range(1, 5)}
    sims = [r for r in rows if r["camera_code"] != "YY-ZW-GONE"]
    truth = worker.cameras["YY-ZW-W01-CAM"].sim.source
    for r in sims:
        window = r["camera_code"].removesuffix("-CAM")
        assert r["camera_status"] == "ok"
        assert r["occupied"] == truth.state(window, now.timestamp()).occupied
    kinds = conn.execute(
        "select kind, window_code, payload from events where source like 'YY-ZW-W0%%'"
    ).fetchall()
    assert sum(k["kind"] == "camera.health" for k in kinds) == 4
    samples = [k for k in kinds if k["kind"] == "presence.sample"]
    assert len(samples) == 4 and all(k["window_code"] for k in samples)
    time.sleep(1.5)
    worker.write_samples(datetime.now(UTC))  # nothing changed: no new events
    again = conn.execute(
        "select kind, source, payload from events where source like 'YY-ZW-W0%%' order by id"
    ).fetchall()
    assert len(again) == len(kinds), again[len(kinds) :]


def test_a_camera_that_never_answers_is_reported_offline_and_its_seat_unknown(worker, conn):
    start = datetime.now(UTC)
    worker.write_samples(start)
    worker.write_samples(start + timedelta(seconds=3))
    event = conn.execute(
        "select payload from events where kind = 'camera.health' and source = 'YY-ZW-GONE'"
    ).fetchone()
    assert event["payload"]["status"] == CameraStatus.OFFLINE
    row = conn.execute(
        "select occupied, camera_status from presence_samples where camera_code = 'YY-ZW-GONE'"
        " order by at desc limit 1"
    ).fetchone()
    assert row["occupied"] is None and row["camera_status"] == "offline"


def test_an_alert_about_a_window_gets_a_snapshot_and_a_clip(worker, conn, settings):
    wait_for(
        lambda: analysed(worker, "YY-ZW-W02-CAM", 6) and len(worker.cameras["YY-ZW-W02-CAM"].ring)
    )
    alert = conn.execute(
        "insert into alerts (rule, subject, dedup_key, level, region_code, center_code,"
        " department_code, window_code, summary, since) values ('window_empty', 'YY-ZW-W02',"
        " 'window_empty/YY-ZW-W02', 'yellow', '610802', 'YY-ZW', 'YY-ZW-SCJG', 'YY-ZW-W02',"
        " '2号窗口空岗', now()) returning id, created_at"
    ).fetchone()
    worker.serve_evidence(datetime.now(UTC))
    time.sleep(3)
    worker.serve_evidence(datetime.now(UTC))
    found = evidence_repo.evidence_list(conn, alert_id=alert["id"])
    assert sorted(e.kind for e in found) == ["clip", "snapshot"]
    for e in found:
        path = settings.evidence_dir / e.path
        assert e.window_code == "YY-ZW-W02" and e.requested_by == "alerts"
        import hashlib

        assert hashlib.sha256(path.read_bytes()).hexdigest() == e.sha256
    clip = next(e for e in found if e.kind == "clip")
    assert clip.starts_at <= alert["created_at"] - timedelta(seconds=2)
    assert clip.ends_at >= alert["created_at"] + timedelta(seconds=1)
    status = conn.execute("select status from evidence_requests").fetchone()["status"]
    assert status == "done"


def test_changed_seat_regions_restart_that_camera_with_the_new_regions(worker, conn):
    old = worker.cameras["YY-ZW-W03-CAM"]
    repo.save_regions(conn, "YY-ZW-W03-CAM", [[[10, 10], [100, 10], [100, 100], [10, 100]]], [])
    worker.reload()
    new = worker.cameras["YY-ZW-W03-CAM"]
    assert new is not old and new.cam.seats == (((10, 10), (100, 10), (100, 100), (10, 100)),)
    assert worker.cameras["YY-ZW-W04-CAM"] is not None


def test_the_centres_worker_leaves_a_hall_with_its_own_video_service_to_its_edge(worker, conn):
    assert "YY-ZW-W04-CAM" in worker.cameras
    repo.set_center_video_url(conn, "YY-ZW", "http://edge.yy.example:8603", actor="admin")
    try:
        worker.reload()
        assert worker.cameras == {}  # the edge box captures YY-ZW's cameras
    finally:
        repo.set_center_video_url(conn, "YY-ZW", None, actor="admin")
    worker.reload()
    assert "YY-ZW-W04-CAM" in worker.cameras
