"""Database fixtures: one embedded PostgreSQL per test session, a migrated template database,
and a fresh database cloned from it for every test that asks (isolation per test)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.settings import Settings, load_settings
from store.db import Database, ensure_database, make_pool
from store.migrate import migrate
from store.server import EmbeddedPostgres

TEMPLATE = "hw_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data").start()
    yield server


@pytest.fixture(scope="session")
def pg_template(pg_server: EmbeddedPostgres) -> str:
    ensure_database(pg_server.uri("postgres"), TEMPLATE)
    migrate(pg_server.uri(TEMPLATE))
    return TEMPLATE


@pytest.fixture
def db(pg_server: EmbeddedPostgres, pg_template: str) -> Iterator[Database]:
    """A freshly migrated, empty database of our own."""
    name = f"t_{os.getpid()}_{next(_counter)}"
    ensure_database(pg_server.uri("postgres"), name, template=pg_template)
    yield Database(pg_server.uri(name), pg_server)
    with psycopg.connect(pg_server.uri("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')  # type: ignore[arg-type]


@pytest.fixture
def conn(db: Database) -> Iterator[psycopg.Connection[dict[str, object]]]:
    with psycopg.connect(db.url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture
def pool(db: Database) -> Iterator[ConnectionPool]:
    p = make_pool(db.url, "hallwatch-test", max_size=4)
    yield p
    p.close()


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    """Settings pointing at the test's database and a temporary data directory."""
    return load_settings({}, database_url=db.url, data_dir=str(tmp_path / "var"))
