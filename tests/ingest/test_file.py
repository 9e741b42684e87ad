"""`import_file` on JSONL cut into many blocks: line numbers in the summary and dead letters
stay right across blocks, and worker processes give the same result as this process."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import psycopg
import pytest

from ingest.sources import file as file_source
from ingest.validate import ReferenceIndex, Validator
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from tests.ingest import factory as f


def _write(path: Path, cases: int) -> tuple[int, dict[int, str]]:
    """Case lives, a blank line after every 7th event and a broken line after every 50th;
    returns the number of good events and {line number: what is wrong on it}."""
    lines: list[bytes] = []
    broken: dict[int, str] = {}
    good = 0
    for n in range(cases):
        for e in f.case_life(f"C{n:04d}", day=1 + n % 20):
            lines.append(orjson.dumps(e))
            good += 1
            if good % 7 == 0:
                lines.append(b"   ")
            if good % 50 == 0:
                lines.append(b'{"event_id": "not a uuid"')
                broken[len(lines)] = "malformed"
    path.write_bytes(b"\n".join(lines))  # no newline after the last line
    return good, broken


def _import(url: str, path: Path, workers: int) -> file_source.Summary:
    with psycopg.connect(url, autocommit=True) as conn:
        validator = Validator(ReferenceIndex(lambda: ingest_repo.reference_codes(conn)))
        writer = file_source.Writer(lambda: psycopg.connect(url)).start()
        try:
            return file_source.import_file(path, writer, validator, workers=workers)
        finally:
            writer.stop()


def _dead_lines(conn: psycopg.Connection) -> dict[int, str]:
    return {
        int(d.source.rsplit("#", 1)[1]): d.reason
        for d in ingest_repo.dead_letters(conn, pending=True)
    }


@pytest.mark.parametrize("workers", [0, 1])
def test_blocks_keep_line_numbers_and_workers_give_the_same_result(
    db, conn, tmp_path, monkeypatch, workers
):
    monkeypatch.setattr(file_source, "BLOCK", 1024)  # a few events per block: many blocks
    path = tmp_path / "events.jsonl"
    good, broken = _write(path, 60)
    here: list[int] = []
    if workers:  # make this process slow, so the workers (once up) take most blocks
        check = file_source.check_batch

        def slow(unit, validator, encoder):  # type: ignore[no-untyped-def]
            here.append(1)
            time.sleep(0.2)
            return check(unit, validator, encoder)

        monkeypatch.setattr(file_source, "check_batch", slow)

    summary = _import(db.url, path, workers)

    blocks = sum(1 for _ in file_source.jsonl_blocks(path))
    assert blocks > 20
    if workers:
        assert len(here) < blocks  # some blocks were checked in the worker process
    assert (summary.accepted, summary.rejected, summary.duplicates) == (good, len(broken), 0)
    assert summary.lines == good + len(broken)  # blank lines are not counted
    assert event_repo.count(conn) == good
    assert _dead_lines(conn) == broken  # each refused line named by its own number

    again = _import(db.url, path, workers)  # the same file again stores nothing twice
    assert (again.accepted, again.duplicates) == (0, good)
    assert event_repo.count(conn) == good
