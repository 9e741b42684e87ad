"""`hallwatch ingest file|dead-letters|keys` through the command line (Typer's runner)."""

from __future__ import annotations

import io

import orjson
import pytest
from typer.testing import CliRunner

from core.reference import Window
from hallwatch.cli import _register, app
from ingest.sources.file import write_csv
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from store.repos import reference
from tests.ingest import factory as f


@pytest.fixture
def cli(db, small, monkeypatch, tmp_path):
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", db.url)
    monkeypatch.setenv("HALLWATCH_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "250")  # rich tables unwrapped
    _register()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args), catch_exceptions=False)


def test_a_csv_file_is_imported_and_a_refused_line_replayed_after_the_fix(
    cli, conn, small, tmp_path
):
    stray = f.ticket("called", f.at(15, 9)) | {"window_code": "YY-ZW-W09"}
    events = [*f.case_life("C1"), stray]
    out = io.StringIO()
    write_csv(events, out)
    path = tmp_path / "events.csv"
    path.write_text(out.getvalue(), encoding="utf-8")

    result = cli("ingest", "file", str(path))
    assert "3 accepted" in result.output and "1 rejected" in result.output, result.output
    assert "window_code" in result.output
    assert conn.execute("select status from cases where case_no = 'C1'").fetchone()["status"] == (
        "completed"
    )
    listed = cli("ingest", "dead-letters", "list", "--pending")
    assert "unknown_reference" in listed.output

    w = small.windows[0]
    fixed = small.model_copy(
        update={"windows": (*small.windows, Window(**{**w.model_dump(), "code": "YY-ZW-W09"}))}
    )
    reference.save_hall(conn, fixed)  # the fix: the window is now known
    replayed = cli("ingest", "dead-letters", "replay")
    assert "1 replayed; 1 accepted" in replayed.output, replayed.output
    assert event_repo.count(conn) == 4
    assert ingest_repo.dead_letters(conn, pending=True) == []

    again = cli("ingest", "file", str(path))  # a second import stores nothing twice
    assert "4 duplicates" in again.output or "3 duplicates" in again.output
    assert event_repo.count(conn) == 4


def test_a_jsonl_file_with_a_broken_line_and_a_new_key(cli, conn, tmp_path):
    path = tmp_path / "events.jsonl"
    lines = [orjson.dumps(e) for e in f.case_life("C1")] + [b"{not json"]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = cli("ingest", "file", str(path), "--no-project")
    assert "3 accepted" in result.output and "malformed" in result.output
    key = cli("ingest", "keys", "add", "--source", "queue", "--region", "610802")
    assert "hw_" in key.output
    assert [k.source for k in ingest_repo.api_keys(conn)] == ["queue"]
