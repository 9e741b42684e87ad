"""Presence samples at the centre from events: the projector turns `presence.sample` and camera
faults into `presence_samples` rows, once each, whether the video worker ran at the centre
(rows and events written together) or at the edge (events only), and again after a rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.enums import CameraStatus
from hallwatch.demo import seed_hall
from ingest.projector import CURSOR, Projector
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from store.repos import video as repo
from tests.fix_people import small_hall
from video.analysis import Outcome
from video.cameras import CameraConfig, from_row
from video.presence import Reading, SeatState
from video.samples import EventPlan, presence_rows
from video.worker import DatabaseSink


@pytest.fixture
def camera(conn) -> CameraConfig:
    seed_hall(conn, small_hall())
    row = repo.camera(conn, "YY-ZW-W01-CAM")
    assert row is not None
    return from_row(row)


def seen(occupied: bool | None, status: CameraStatus = CameraStatus.OK) -> Any:
    def outcome(at: datetime) -> Outcome:
        reading = None if occupied is None else Reading(0.6 if occupied else 0.02, 0.0, occupied)
        return Outcome(at, status, None, [SeatState(0, reading, occupied)])

    return outcome


def samples(conn) -> list[tuple[Any, ...]]:
    rows = conn.execute(
        "select at, occupied, camera_status from presence_samples order by at, camera_status"
    ).fetchall()
    return [(r["at"], r["occupied"], r["camera_status"]) for r in rows]


def test_each_presence_event_is_one_sample_whichever_way_it_came_and_after_a_rebuild(
    conn, pool, camera
):
    plan, projector = EventPlan(), Projector()
    t0 = datetime.now(UTC).replace(microsecond=0)
    direct = seen(True)(t0)  # the worker at the centre: rows and events in one transaction
    DatabaseSink(pool).write(presence_rows(camera, direct, t0), plan.events(camera, direct, t0))
    projector.catch_up(conn)
    assert samples(conn) == [(t0, True, "ok")]

    t1, t2 = t0 + timedelta(seconds=5), t0 + timedelta(seconds=10)
    edge = plan.events(camera, seen(False)(t1), t1)  # a hall's edge: events only
    edge += plan.events(camera, seen(None, CameraStatus.COVERED)(t2), t2)
    assert [e["kind"] for e in edge] == ["presence.sample", "camera.health"]
    event_repo.insert_events(conn, edge)
    projector.catch_up(conn)
    expected = [(t0, True, "ok"), (t1, False, "ok"), (t2, None, "covered")]
    assert samples(conn) == expected

    event_repo.insert_events(conn, edge)  # a resend: de-duplicated by event_id, nothing to fold
    ingest_repo.set_cursor_position(conn, CURSOR, 0)  # fold every event again
    progress = projector.catch_up(conn)
    assert progress.events == 4 and progress.presence == 0
    assert samples(conn) == expected
