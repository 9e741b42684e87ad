"""Ingest fixtures: a running batch writer, a projector, a validator bound to the test database,
and a real ingest service (`hallwatch serve ingest`) as a child process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from core.reference import Hall
from ingest.auth import new_key
from ingest.projector import Projector
from ingest.validate import ReferenceIndex, Validator
from ingest.writer import Outcome, Submission, Writer, check_and_prepare
from store.db import Database
from store.repos import ingest as ingest_repo
from store.repos import reference
from store.repos.events import RowEncoder
from tests.fix_people import small_hall

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def writer(db: Database) -> Iterator[Writer]:
    w = Writer(lambda: psycopg.connect(db.url), max_delay_s=0.005).start()
    yield w
    w.stop(abort=True, timeout=10)


@pytest.fixture
def projector() -> Projector:
    return Projector()


@pytest.fixture
def small(conn: Any) -> Hall:
    """The small hall's reference data in the test database (saving it again is a no-op; no
    demo users: argon2 is slow)."""
    h = small_hall()
    if conn.execute("select 1 from centers where code = %s", (h.center.code,)).fetchone() is None:
        reference.save_hall(conn, h)
    return h


@pytest.fixture
def validator(db: Database, small: Hall) -> Validator:
    def load() -> Any:
        with psycopg.connect(db.url) as c:
            return ingest_repo.reference_codes(c)

    return Validator(ReferenceIndex(load))


def submit(
    writer: Writer, validator: Validator, events: Sequence[dict[str, Any]], source: str = "test"
) -> Outcome:
    """Validate JSON-ready dicts as raw bytes (as a source would) and write them."""
    inputs = ((i, orjson.dumps(e)) for i, e in enumerate(events))
    prepared, rejects, _ = check_and_prepare(validator, inputs, RowEncoder())
    return writer.write(Submission(prepared, rejects, source), timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class IngestProcess:
    """`hallwatch serve ingest` against the test database, with an API key for the small hall."""

    def __init__(self, db_url: str, data_dir: Path, key: str) -> None:
        self.db_url, self.data_dir, self.key = db_url, data_dir, key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "ingest.log"

    def start(self, timeout: float = 30.0) -> IngestProcess:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")},
            "HALLWATCH_DATABASE_URL": self.db_url,
            "HALLWATCH_DATA_DIR": str(self.data_dir),
            "HALLWATCH_INGEST_PORT": str(self.port),
        }
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from hallwatch.cli import main; main()", "serve", "ingest"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ingest exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"ingest did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_key(
    db_url: str, source: str = "test", region: str = "610802", center: str | None = None
) -> str:
    secret, prefix, key_hash = new_key()
    with psycopg.connect(db_url, autocommit=True) as c:
        ingest_repo.add_api_key(
            c, prefix=prefix, key_hash=key_hash, name=f"{source} key", source=source,
            region_code=region, center_code=center,
        )  # fmt: skip
    return secret


@pytest.fixture
def api_key(db: Database, small: Hall) -> str:
    return make_key(db.url)


@pytest.fixture
def ingest_process(
    db: Database, small: Hall, api_key: str, tmp_path: Path
) -> Iterator[IngestProcess]:
    proc = IngestProcess(db.url, tmp_path / "var", api_key)
    proc.data_dir.mkdir(parents=True, exist_ok=True)
    yield proc.start()
    proc.stop()


@pytest.fixture
def service(db: Database, small: Hall) -> Iterator[Any]:
    """An in-process ingest service (writer, projector) and a TestClient on its app."""
    from fastapi.testclient import TestClient

    from ingest.service import IngestService

    svc = IngestService(db.url)
    svc.start_workers()
    with TestClient(svc.app()) as client:
        svc.client = client  # type: ignore[attr-defined]
        yield svc
    svc.stop_workers()
