"""A simulated month in the test database: the twin's hall and users, the official calendar, its
events written by ingest's writer and folded by ingest's projector (the real path)."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from hallwatch.demo import seed_hall, seed_users
from ingest.projector import Projector
from ingest.validate import ReferenceIndex, Validator
from ingest.writer import Writer
from sim.config import HallConfig, SimConfig
from sim.dataset import Dataset, generate
from store.repos import calendar as calendar_repo
from store.repos import ingest as ingest_repo
from tests.fix_ingest import submit

OCTOBER = SimConfig(
    seed=5, start=date(2025, 10, 1), days=31, hall=HallConfig(windows=4, departments=2, matters=12)
)


def load_sim(url: str, conn: Any, config: SimConfig = OCTOBER, users: bool = False) -> Dataset:
    data = generate(config)
    hall = data.halls[0]
    seed_hall(conn, hall)
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
