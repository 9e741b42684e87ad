"""Numbered SQL migrations (`store/migrations/NNNN_name.sql`), applied in order under an
advisory lock and recorded in `schema_migrations`.

A migration may come with variants that depend on the TimescaleDB capability check:
`NNNN_name.timescale.sql` runs after the main file when the extension is present (hypertables,
compression and retention policies, continuous aggregates) and `NNNN_name.plain.sql` when it is
not (BRIN indexes, materialized views). Both paths create the same relations for the code.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_KEY = 0x4857_4D49  # "HWMI"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|plain))?\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    variant: str  # "" (always), "timescale" or "plain"
    path: Path

    @property
    def key(self) -> str:
        return f"{self.version:04d}_{self.name}" + (f".{self.variant}" if self.variant else "")

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]


def discover(folder: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for path in folder.glob("*.sql"):
        m = _NAME.match(path.name)
        if not m:
            raise ValueError(f"migration file name not understood: {path.name}")
        found.append(Migration(int(m[1]), m[2], m[3] or "", path))
    order = {"": 0, "timescale": 1, "plain": 1}
    return sorted(found, key=lambda m: (m.version, order[m.variant], m.name))


def plan(migrations: list[Migration], timescale: bool) -> list[Migration]:
    """The migrations this server needs, in order (the variant matching the capability)."""
    want = {"", "timescale" if timescale else "plain"}
    return [m for m in migrations if m.variant in want]


def has_timescale(conn: psycopg.Connection) -> bool:  # type: ignore[type-arg]
    """The TimescaleDB capability check: available extensions are created, then used."""
    row = conn.execute(
        "select 1 from pg_available_extensions where name = 'timescaledb'"
    ).fetchone()
    if row is None:
        return False
    conn.execute("create extension if not exists timescaledb")
    return True


def _ensure_table(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    conn.execute(
        """create table if not exists schema_migrations (
               key text primary key,
               version int not null,
               checksum text not null,
               applied_at timestamptz not null default now())"""
    )


def applied(conn: psycopg.Connection) -> dict[str, str]:  # type: ignore[type-arg]
    _ensure_table(conn)
    rows = conn.execute("select key, checksum from schema_migrations").fetchall()
    return {str(key): str(checksum) for key, checksum in rows}


def migrate(url: str) -> list[str]:
    """Apply every pending migration; returns the keys applied. Safe to run concurrently."""
    done: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
        try:
            timescale = has_timescale(conn)
            seen = applied(conn)
            for mig in plan(discover(), timescale):
                if mig.key in seen:
                    if seen[mig.key] != mig.checksum:
                        log.warning("migration %s changed after it was applied", mig.key)
                    continue
                with conn.transaction():
                    conn.execute(mig.sql)  # type: ignore[arg-type]
                    conn.execute(
                        "insert into schema_migrations (key, version, checksum)"
                        " values (%s, %s, %s)",
                        (mig.key, mig.version, mig.checksum),
                    )
                log.info("applied migration %s", mig.key)
                done.append(mig.key)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
    return done


def status(url: str) -> list[tuple[str, bool]]:
    """Every migration this server needs and whether it is applied."""
    with psycopg.connect(url, autocommit=True) as conn:
        timescale = (
            conn.execute("select 1 from pg_extension where extname = 'timescaledb'").fetchone()
            is not None
        )
        seen = applied(conn)
    return [(m.key, m.key in seen) for m in plan(discover(), timescale)]
