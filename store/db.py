"""Connections: find the database (a configured URL or the embedded server), open a pool."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from core.settings import Settings
from store.server import EmbeddedPostgres

log = logging.getLogger(__name__)

DBNAME = "hallwatch"


class Database:
    """Where HallWatch's data lives: `url` is a conninfo for psycopg.

    With `HALLWATCH_DATABASE_URL` unset, `open()` starts the embedded server under
    `<data_dir>/pg` and creates the `hallwatch` database on first use.
    """

    def __init__(self, url: str, server: EmbeddedPostgres | None = None) -> None:
        self.url = url
        self.server = server

    @classmethod
    def open(cls, settings: Settings) -> Database:
        if settings.database_url is not None:
            return cls(settings.database_url.get_secret_value())
        server = EmbeddedPostgres(settings.pg_dir).start()
        ensure_database(server.uri("postgres"), DBNAME)
        return cls(server.uri(DBNAME), server)

    def connect(self, **kwargs: object) -> psycopg.Connection[dict[str, object]]:
        return psycopg.connect(self.url, row_factory=dict_row, **kwargs)  # type: ignore[arg-type]

    def pool(self, app_name: str, max_size: int = 8, min_size: int = 1) -> ConnectionPool:
        return make_pool(self.url, app_name, max_size=max_size, min_size=min_size)


def ensure_database(admin_url: str, name: str, template: str | None = None) -> bool:
    """Create database `name` if missing; True when it was created."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            return False
        query = f'create database "{name}"'
        if template:
            query += f' template "{template}" strategy file_copy'
        conn.execute(query)  # type: ignore[arg-type]
        log.info("created database %s", name)
        return True


def make_pool(url: str, app_name: str, *, max_size: int = 8, min_size: int = 1) -> ConnectionPool:
    """A checked pool (`check=` validates connections after a server restart)."""
    pool = ConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"application_name": app_name, "row_factory": dict_row},
        check=ConnectionPool.check_connection,
        open=False,
        name=app_name,
    )
    pool.open(wait=True, timeout=30)
    return pool


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[psycopg.Connection[dict[str, object]]]:
    with pool.connection() as conn, conn.transaction():
        yield conn  # type: ignore[misc]
