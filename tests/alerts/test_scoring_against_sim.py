"""Recall and precision of the alert rules against a simulated month of the digital twin
(sim/): the events go through the replay (the engine's folds and rules in simulated time) and
the alerts are matched with the twin's ground truth (alerts/scoring.py). Goals (issue 5):
recall ≥ 99 % and precision ≥ 95 % for deadlines and empty windows; spikes are reported.
The numbers are printed and recorded in BENCHMARKS.md (bench/results/alerts_accuracy.json)."""

from __future__ import annotations

import hashlib
import pickle
from datetime import datetime, timedelta

import pytest

from alerts import scoring
from alerts.context import RuleContext
from alerts.replay import Replay
from alerts.state import MatterInfo
from core.calendar import official_calendar

pytestmark = pytest.mark.slow
DAYS, WINDOWS, SAMPLE_SECONDS = 30, 20, 30


@pytest.fixture(scope="module")
def month(request: pytest.FixtureRequest):
    """A simulated month (cached between runs in pytest's cache directory: the twin is
    deterministic for a seed, so the cache only saves time)."""
    from sim.config import HallConfig, SimConfig
    from sim.dataset import generate

    config = SimConfig(
        days=DAYS, hall=HallConfig(windows=WINDOWS), presence_sample_seconds=SAMPLE_SECONDS
    )
    folder = request.config.cache.mkdir("hallwatch-sim")
    path = (
        folder
        / f"month-{hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]}.pickle"
    )
    if path.exists():
        return pickle.loads(path.read_bytes())
    ds = generate(config)
    data = (ds.events, ds.truth, ds.halls[0])
    path.write_bytes(pickle.dumps(data))
    return data


def replay(events, hall, preset: str, kinds: tuple[str, ...] = ()) -> Replay:
    matters = {
        m.code: MatterInfo(m.code, m.case_type, m.promised_days, m.legal_days, m.fee)
        for m in hall.matters
    }
    ctx = RuleContext(
        calendar=official_calendar(),
        schedules={hall.center.code: hall.center.schedule},
        presets={("center", hall.center.code, "case.promised_deadline"): preset},
    )
    r = Replay(ctx, matters)
    r.run(e for e in events if not kinds or e["kind"].startswith(kinds))
    return r


def test_alerts_meet_recall_and_precision_on_a_simulated_month(month):
    events, truth, hall = month
    items = truth["violations"]
    end = datetime.fromisoformat(truth["end"])
    one_day = replay(events, hall, "one_day")
    one_day._advance(end)
    vendor = replay(events, hall, "vendor", kinds=("case.",))
    vendor._advance(end)
    scores = [
        *scoring.deadlines(items, one_day.alerts, "one_day"),
        *[
            s
            for s in scoring.deadlines(items, vendor.alerts, "vendor")
            if s.family.startswith("vendor")
        ],
        *scoring.windows(items, one_day.alerts, 15),
        *scoring.spikes(items, one_day.alerts, timedelta(hours=2)),
        *scoring.by_case(items, one_day.alerts),
    ]
    print(f"\nalert scoring: {DAYS} days, {WINDOWS} windows, {len(events)} events")
    for s in scores:
        print("  " + s.line())
    record(scores)
    goal = {s.family: s for s in scores if not s.family.endswith("spike")}
    for s in goal.values():
        assert s.recall >= 0.99, s.line()
        assert s.precision >= 0.95, s.line()
    deadlines = [s for s in scores if s.family.startswith(("one_day", "vendor", "overdue"))]
    assert sum(s.truth for s in deadlines) > 1000  # a month of deadlines, not a handful


def record(scores: list[scoring.Score]) -> None:
    from bench.common import Metric
    from bench.common import record as save

    metrics = {}
    for s in scores:
        key = s.family.replace(" ", "_")
        metrics[f"{key}_recall"] = Metric(
            round(100 * s.recall, 2),
            "%",
            goal=None if "spike" in key else 99.0,
            note=f"{s.matched_truth}/{s.truth}",
        )
        metrics[f"{key}_precision"] = Metric(
            round(100 * s.precision, 2),
            "%",
            goal=None if "spike" in key else 95.0,
            note=f"{s.matched_predicted}/{s.predicted}",
        )
    save("alerts_accuracy", metrics)
