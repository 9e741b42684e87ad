"""The batched writer: exactly once per event_id, refused inputs kept, backpressure, flush."""

from __future__ import annotations

import orjson
import psycopg
import pytest
from prometheus_client import CollectorRegistry

from ingest.metrics import IngestMetrics
from ingest.writer import QueueFull, Submission, Writer, prepare
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from store.repos.events import RowEncoder
from tests.fix_ingest import submit
from tests.ingest import factory as f


def test_it_stores_each_event_once_and_counts_repeats(conn, writer, validator):
    events = f.case_life("C1") + f.case_life("C2")
    first = submit(writer, validator, events)
    again = submit(writer, validator, [*events[:2], f.rating("C1", f.at(18, 10))])
    assert (first.accepted, first.duplicates, first.rejected) == (6, 0, 0)
    assert (again.accepted, again.duplicates) == (1, 2)
    assert event_repo.count(conn) == 7
    assert conn.execute("select count(*) as n from event_ids").fetchone()["n"] == 7


def test_a_repeat_inside_one_batch_is_stored_once(conn, writer, validator):
    e = f.applied("C1", f.at(15, 9))
    out = submit(writer, validator, [e, e, e])
    assert (out.accepted, out.duplicates) == (1, 2)
    assert event_repo.count(conn) == 1


def test_a_bad_event_goes_to_dead_letters_with_its_raw_bytes_and_fields(conn, writer, validator):
    bad = f.rating("C1", f.at(15, 10), score=9)
    raw = orjson.dumps(bad)
    out = submit(writer, validator, [f.applied("C1", f.at(15, 9)), bad], source="test:file")
    assert (out.accepted, out.rejected) == (1, 1)
    (letter,) = ingest_repo.dead_letters(conn)
    assert letter.raw == raw and letter.reason == "invalid" and letter.source == "test:file#1"
    assert letter.problems == [
        {"field": "payload.score", "reason": "Input should be less than or equal to 5"}
    ]


def test_unknown_reference_data_is_refused_naming_the_field(conn, writer, validator):
    stray = f.applied("C1", f.at(15, 9)) | {"window_code": "XX-W99"}
    out = submit(writer, validator, [stray])
    assert out.rejected == 1
    (letter,) = ingest_repo.dead_letters(conn)
    assert letter.reason == "unknown_reference"
    assert letter.problems[0]["field"] == "window_code"


def test_a_nul_character_is_refused_not_sent_to_postgres(conn, writer, validator):
    e = f.applied("C1", f.at(15, 9), applicant="a\x00b")
    out = submit(writer, validator, [e])
    assert out.rejected == 1
    assert ingest_repo.dead_letters(conn)[0].problems[0]["field"] == "payload.applicant_name"


def test_it_refuses_work_beyond_its_queue_with_queue_full(db, validator):
    w = Writer(lambda: psycopg.connect(db.url), max_queue=5)  # not started: nothing drains
    items = [validator.check(orjson.dumps(f.applied(f"C{i}", f.at(15, 9)))) for i in range(4)]
    events = prepare(items, RowEncoder())  # type: ignore[arg-type]
    w.submit(Submission(events))
    with pytest.raises(QueueFull):
        w.submit(Submission(events))
    w.start()
    w.stop(timeout=20)
    with psycopg.connect(db.url) as c:
        assert event_repo.count(c) == 4  # stop() flushed what was queued


def test_metrics_count_events_by_kind_and_outcome(db, validator):
    registry = CollectorRegistry()
    w = Writer(lambda: psycopg.connect(db.url), metrics=IngestMetrics(registry)).start()
    try:
        events = f.case_life("C1")
        submit(w, validator, [*events, events[0], f.rating("C1", f.at(15, 10), score=0)])
    finally:
        w.stop()
    value = registry.get_sample_value
    assert (
        value("hallwatch_ingest_events_total", {"kind": "case.applied", "outcome": "accepted"}) == 1
    )
    assert value("hallwatch_ingest_events_total", {"kind": "unknown", "outcome": "duplicate"}) == 1
    assert (
        value("hallwatch_ingest_events_total", {"kind": "rating.submitted", "outcome": "rejected"})
        == 1
    )
    assert value("hallwatch_ingest_dead_letters_total", {"reason": "invalid"}) == 1
    assert value("hallwatch_ingest_batch_size_count") == 1
