"""A simulated October shared by the indicator and bulletin tests (loaded once per session:
the twin's month through ingest's writer and projector, its seats' presence samples, then the
alert engine's timers)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from alerts.engine import Engine
from store.db import ensure_database, make_pool
from tests.accountability.sim_month import OCTOBER, load_presence, load_sim

NAME = "t_accountability_october"


@pytest.fixture(scope="session")
def october(pg_server, pg_template):
    """(autocommit connection, dataset) of a database holding the simulated October 2025."""
    admin = pg_server.uri("postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'drop database if exists "{NAME}" with (force)')
    ensure_database(admin, NAME, template=pg_template)
    url = pg_server.uri(NAME)
    with psycopg.connect(url, autocommit=True) as conn:
        data = load_sim(url, conn, OCTOBER, users=True)
        load_presence(conn, data)
    pool = make_pool(url, "accountability-tests", max_size=2)
    engine = Engine(pool)
    engine.refresh(force=True)
    for _ in range(50):
        if not engine.timers_once():
            break
    pool.close()
    conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
    yield conn, data
    conn.close()
