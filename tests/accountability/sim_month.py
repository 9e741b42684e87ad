"""A simulated month in the test database: the twin's hall (with the demo catalogue) and users,
the official calendar, its events written by ingest's writer and folded by ingest's projector
(the real path), and the presence samples a video worker would have written for its seats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from hallwatch.demo import demo_catalogue, seed_hall, seed_users
from ingest.projector import Projector
from ingest.validate import ReferenceIndex, Validator
from ingest.writer import Writer
from sim.config import HallConfig, SimConfig
from sim.dataset import Dataset, generate
from store.repos import calendar as calendar_repo
from store.repos import ingest as ingest_repo
from store.repos import video as video_repo
from tests.fix_ingest import submit

OCTOBER = SimConfig(
    seed=5, start=date(2025, 10, 1), days=31, hall=HallConfig(windows=4, departments=2, matters=12)
)


def load_sim(url: str, conn: Any, config: SimConfig = OCTOBER, users: bool = False) -> Dataset:
    data = generate(config)
    hall = data.halls[0]
    seed_hall(conn, demo_catalogue(hall))
    if users:
        seed_users(conn, hall)
    calendar_repo.load_official(conn, range(config.start.year, config.start.year + 2))

    def codes() -> Any:
        with psycopg.connect(url) as c:
            return ingest_repo.reference_codes(c)

    validator = Validator(ReferenceIndex(codes))
    writer = Writer(lambda: psycopg.connect(url), max_delay_s=0.005).start()
    try:
        for i in range(0, len(data.events), 5000):
            outcome = submit(writer, validator, data.events[i : i + 5000], source="sim")
            assert not outcome.rejected, outcome
    finally:
        writer.stop(timeout=30)
    projector = Projector()
    with psycopg.connect(url, autocommit=True) as c:
        while (progress := projector.run_once(c)) is not None and progress.events:
            pass
    return data


SAMPLE_SECONDS = 20
SAMPLED_HOURS = (7.5, 19.0)  # local, wider than the opening hours: the aggregate clips
GAP = ("2025-10-15", 1)  # (day, window index): the video worker was down all that day
SUNDAY = "2025-10-19"  # a rest day with someone at a desk: not scheduled, never counted


def presence_rows(data: Dataset) -> list[tuple[Any, ...]]:
    """Samples every SAMPLE_SECONDS of each window's seat from the twin's seat truth, unknown
    (camera status not OK) during its planted camera faults, for every day of the month (rest
    days too); none for the GAP window-day."""
    faults: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for v in data.truth["violations"]:
        if v["kind"].startswith("camera_") and v["end"]:
            span = (datetime.fromisoformat(v["start"]), datetime.fromisoformat(v["end"]))
            faults.setdefault(v["window_code"], []).append((*span, v["kind"][7:]))
    rows: list[tuple[Any, ...]] = []
    windows = [w.code for w in data.halls[0].windows]
    for i, window in enumerate(windows):
        spans = [(_t(a), _t(b)) for a, b in data.presence.get(window, [])]
        camera = window.replace("-W", "-CAM")
        for n in range(data.config.days):
            day = data.config.start + timedelta(days=n)
            if (day.isoformat(), i) == (GAP[0], GAP[1]):
                continue
            rows += _day_rows(day, window, camera, spans, faults.get(window, []), i)
    return rows


def _t(posix: int) -> datetime:
    return datetime.fromtimestamp(posix, UTC)


def _day_rows(day, window, camera, spans, faults, i) -> list[tuple[Any, ...]]:
    from sim.clock import CST

    first = datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(hours=SAMPLED_HOURS[0])
    last = first + timedelta(hours=SAMPLED_HOURS[1] - SAMPLED_HOURS[0])
    at = first + timedelta(seconds=3 * i)  # windows are not sampled in lockstep
    out = []
    while at < last:
        status = next((k for a, b, k in faults if a <= at < b), "ok")
        seated = any(a <= at < b for a, b in spans) or (
            day.isoformat() == SUNDAY and i == 0 and at.hour == 10
        )
        occupied = seated if status == "ok" else None
        out.append((at, camera, window, 0, occupied, 0.9 if seated else 0.1, status))
        at += timedelta(seconds=SAMPLE_SECONDS)
    return out


def load_presence(conn: Any, data: Dataset) -> int:
    return video_repo.write_presence(conn, presence_rows(data))
