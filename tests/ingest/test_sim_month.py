"""A simulated month through `ingest file` and the projector gives back the sim's own case
outcomes: the same cases in each status, and exactly the cases its ground truth marks overdue
(promised and legal deadlines), whether the events arrive in order or shuffled."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.projector import Projector
from ingest.sources.file import import_file
from ingest.validate import ReferenceIndex, Validator
from ingest.writer import Writer
from sim.config import HallConfig, SimConfig
from sim.dataset import Dataset, generate, write_events
from store.repos import cases as case_repo
from store.repos import ingest as ingest_repo
from store.repos import reference

pytestmark = pytest.mark.slow


def expected_statuses(events: list[dict[str, Any]]) -> Counter[str]:
    """Each case's status from its events, independently of ingest/fold.py."""
    seen: dict[str, Counter[str]] = {}
    last_supplement: dict[str, str] = {}
    for e in sorted(events, key=lambda e: datetime.fromisoformat(e["occurred_at"])):
        if not e["kind"].startswith("case."):
            continue
        seen.setdefault(e["case_no"], Counter())[e["kind"]] += 1
        if e["kind"].startswith("case.supplement_"):
            last_supplement[e["case_no"]] = e["kind"]
    out: Counter[str] = Counter()
    for no, k in seen.items():
        if k["case.completed"]:
            out["completed"] += 1
        elif k["case.refused"]:
            out["refused"] += 1
        elif k["case.special_procedure_started"] > k["case.special_procedure_ended"]:
            out["suspended"] += 1
        elif last_supplement.get(no) == "case.supplement_requested" and not k["case.accepted"]:
            out["supplement"] += 1
        elif k["case.accepted"]:
            out["accepted"] += 1
        else:
            out["applied"] += 1
    return out


def truth_overdue(ds: Dataset, kind: str) -> set[str]:
    return {v["case_no"] for v in ds.truth["violations"] if v["kind"] == kind}


def _import(db_url: str, ds: Dataset, path: Path, projector: Projector) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        for hall in ds.halls:
            reference.save_hall(conn, hall)
        validator = Validator(ReferenceIndex(lambda: ingest_repo.reference_codes(conn)))
        writer = Writer(lambda: psycopg.connect(db_url)).start()
        try:
            summary = import_file(path, writer, validator)
        finally:
            writer.stop()
        assert (summary.accepted, summary.rejected) == (len(ds.events), 0)
        projector.catch_up(conn)


def _check(db_url: str, ds: Dataset) -> None:
    end = datetime.fromisoformat(ds.truth["end"])
    center = ds.halls[0].center.code
    with psycopg.connect(db_url, autocommit=True) as conn:
        counts = case_repo.status_counts(conn, end, center)
        assert case_repo.overdue_case_nos(conn, end, "promised") == truth_overdue(
            ds, "case_overdue_promised"
        )
        assert case_repo.overdue_case_nos(conn, end, "legal") == truth_overdue(
            ds, "case_overdue_legal"
        )
    statuses = {k: v for k, v in counts.items() if not k.startswith("overdue")}
    assert statuses == dict(expected_statuses(ds.events))


def test_a_sim_month_imported_in_order_reproduces_its_case_outcomes(db, tmp_path):
    ds = generate(SimConfig(seed=7, days=30, hall=HallConfig(windows=8, departments=4, matters=30)))
    path = tmp_path / "events.jsonl"
    write_events(ds.events, path)
    _import(db.url, ds, path, Projector())
    _check(db.url, ds)
    assert truth_overdue(ds, "case_overdue_promised")  # the month has overdue cases to find


def test_a_sim_fortnight_imported_shuffled_reproduces_the_same_outcomes(db, tmp_path):
    ds = generate(
        SimConfig(seed=11, days=14, hall=HallConfig(windows=4, departments=2, matters=20))
    )
    shuffled = list(ds.events)
    random.Random(3).shuffle(shuffled)
    path = tmp_path / "shuffled.jsonl"
    write_events(shuffled, path)
    projector = Projector(batch_events=700)  # many batches: late events keep arriving
    _import(db.url, ds, path, projector)
    assert projector.metrics.recomputed.labels("case")._value.get() > 0
    _check(db.url, ds)
