"""For the ingest tests, `db` is one migrated database per module holding the small hall's
reference data, emptied of every ingest table before each test (cloning a database per test
costs seconds on a loaded machine; truncating costs milliseconds)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest

from store.db import Database, ensure_database
from store.repos import reference
from store.server import EmbeddedPostgres
from tests.fix_people import small_hall

INGEST_TABLES = (
    "events, event_ids, dead_letters, cases, complaints, clocks, window_state,"
    " staff_attendance, projector_cursors, api_keys"
)
_counter = itertools.count()


@pytest.fixture(scope="module")
def ingest_module_db(pg_server: EmbeddedPostgres, pg_template: str) -> Iterator[Database]:
    name = f"ti_{os.getpid()}_{next(_counter)}"
    ensure_database(pg_server.uri("postgres"), name, template=pg_template)
    url = pg_server.uri(name)
    with psycopg.connect(url, autocommit=True) as c:
        reference.save_hall(c, small_hall())
    yield Database(url, pg_server)
    with psycopg.connect(pg_server.uri("postgres"), autocommit=True) as c:
        c.execute(f'drop database if exists "{name}" with (force)')  # type: ignore[arg-type]


@pytest.fixture
def db(ingest_module_db: Database) -> Database:
    with psycopg.connect(ingest_module_db.url, autocommit=True) as c:
        c.execute(f"truncate {INGEST_TABLES}")  # type: ignore[arg-type]
    return ingest_module_db
