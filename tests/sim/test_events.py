"""Event streams: valid core.events models, deterministic ids and bytes, the working calendar."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import orjson
import typer
from typer.testing import CliRunner

from core.events import parse_event
from hallwatch.cli.sim import sim_command
from sim.config import HallConfig, SimConfig
from sim.dataset import generate

ENVELOPE = [
    "event_id",
    "kind",
    "occurred_at",
    "source",
    "region_code",
    "center_code",
    "department_code",
    "window_code",
    "case_no",
    "staff_id",
    "payload",
]


def test_every_emitted_event_validates_as_a_core_event(dataset):
    kinds = Counter()
    for event in dataset.events:
        parsed = parse_event(event)
        kinds[parsed.kind] += 1
    expected = {
        "case.applied",
        "case.accepted",
        "case.refused",
        "case.supplement_requested",
        "case.supplement_received",
        "case.step_started",
        "case.step_completed",
        "case.special_procedure_started",
        "case.special_procedure_ended",
        "case.extended",
        "case.completed",
        "case.delivered",
        "fee.charged",
        "rating.submitted",
        "complaint.filed",
        "complaint.accepted",
        "complaint.resolved",
        "queue.ticket_issued",
        "queue.ticket_called",
        "queue.ticket_served",
        "attendance.clock_in",
        "attendance.clock_out",
    }
    assert set(kinds) == expected


def test_events_have_unique_ids_the_exact_envelope_and_come_sorted_by_time(dataset):
    ids = [e["event_id"] for e in dataset.events]
    assert len(ids) == len(set(ids))
    assert all(list(e) == ENVELOPE for e in dataset.events)
    assert all(e["occurred_at"].endswith("+08:00") for e in dataset.events)
    times = [datetime.fromisoformat(e["occurred_at"]) for e in dataset.events]
    assert times == sorted(times)


def test_tickets_arrive_only_on_working_days_of_the_official_calendar(dataset, calendar):
    days = Counter(
        date.fromisoformat(e["occurred_at"][:10])
        for e in dataset.events
        if e["kind"] == "queue.ticket_issued"
    )
    assert all(calendar.is_working_day(d) for d in days)
    assert days[date(2025, 9, 28)] > 0  # 调休: a Sunday that is a working day
    assert days[date(2025, 9, 27)] == 0 and days[date(2025, 10, 1)] == 0
    assert days[date(2025, 9, 22)] > days[date(2025, 9, 26)]  # the Monday peak


def test_arrivals_dip_over_lunch(dataset):
    hours = Counter(
        int(e["occurred_at"][11:13]) for e in dataset.events if e["kind"] == "queue.ticket_issued"
    )
    assert hours[12] < hours[10] / 3
    assert hours[10] > hours[16]


def test_event_ids_are_derived_from_natural_keys_and_repeat_across_runs():
    cfg = SimConfig(seed=3, days=3, hall=HallConfig(windows=8, departments=4))
    first, second = generate(cfg), generate(cfg)

    assert [e["event_id"] for e in first.events] == [e["event_id"] for e in second.events]
    other = generate(cfg.model_copy(update={"seed": 4}))
    assert {e["event_id"] for e in other.events} != {e["event_id"] for e in first.events}


def _run_cli(tmp_path, name: str, seed: int) -> tuple[bytes, bytes, bytes]:
    app = typer.Typer()
    app.command("sim")(sim_command)
    app.command("noop")(lambda: None)  # two commands keep `sim` a sub-command, as in hallwatch
    out, truth, hall = (tmp_path / f"{name}.{ext}" for ext in ("jsonl", "truth.json", "hall.json"))
    args = [
        "sim",
        "--days",
        "4",
        "--windows",
        "10",
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--truth",
        str(truth),
        "--reference",
        str(hall),
        "--start",
        "2025-09-26",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out.read_bytes(), truth.read_bytes(), hall.read_bytes()


def test_the_same_seed_writes_byte_identical_files(tmp_path):
    a = _run_cli(tmp_path, "a", seed=5)
    b = _run_cli(tmp_path, "b", seed=5)
    c = _run_cli(tmp_path, "c", seed=6)

    assert a == b
    assert a[0] != c[0] and a[1] != c[1]
    lines = a[0].splitlines()
    assert len(lines) > 1000
    assert all(parse_event(line) for line in lines[:500])
    truth = orjson.loads(a[1])
    assert truth["start"] == "2025-09-26T00:00:00+08:00" and truth["violations"]


def test_a_region_tree_with_video_events_still_validates_every_event():
    cfg = SimConfig(
        days=2, hall=HallConfig(windows=6, departments=3, centers=2), presence_sample_seconds=300
    )
    dataset = generate(cfg)
    kinds = Counter(parse_event(e).kind for e in dataset.events)

    assert {e["center_code"] for e in dataset.events} == {"ZW610000", "ZW610800"}
    assert kinds["presence.sample"] > 0 and kinds["camera.health"] > 0
