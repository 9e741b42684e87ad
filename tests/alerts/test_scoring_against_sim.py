"""Recall and precision of the alert rules against a simulated month of the digital twin
(sim/): the events go through the replay (the engine's folds and rules in simulated time) and
the alerts are matched with the twin's ground truth (alerts/scoring.py). Goals (issue 5):
recall ≥ 99 % and precision ≥ 95 % for deadlines and empty windows; spikes are reported.
The numbers are printed here; `python -m bench alerts_accuracy` records them in BENCHMARKS.md."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from alerts import scoring

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


def test_alerts_meet_recall_and_precision_on_a_simulated_month(month):
    events, truth, hall = month
    scores = scoring.score_period(events, truth, hall)
    print(f"\nalert scoring: {DAYS} days, {WINDOWS} windows, {len(events)} events")
    for s in scores:
        print("  " + s.line())
    goal = {s.family: s for s in scores if not s.family.endswith("spike")}
    for s in goal.values():
        assert s.recall >= 0.99, s.line()
        assert s.precision >= 0.95, s.line()
    deadlines = [s for s in scores if s.family.startswith(("one_day", "vendor", "overdue"))]
    assert sum(s.truth for s in deadlines) > 1000  # a month of deadlines, not a handful
