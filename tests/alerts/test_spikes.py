"""The spike detector: a seasonal baseline that knows hour, weekday and holidays; scores in
[0, 1]; and `hallwatch alerts detect-spikes` on a CSV."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.spikes import SpikeParams, fit, score_series, tail_score
from core.calendar import official_calendar

TZ = ZoneInfo("Asia/Shanghai")
CAL = official_calendar()
HOUR = timedelta(hours=1)


def hall_series(days: int, seed: int = 1) -> tuple[list[datetime], list[float]]:
    """Hourly counts: busy in opening hours of working days, nothing at night or on holidays."""
    rng = np.random.default_rng(seed)
    t0 = datetime(2025, 9, 1, tzinfo=TZ)
    times = [t0 + i * HOUR for i in range(24 * days)]
    rate = [3.0 if CAL.is_open(t) else 0.02 for t in times]
    return times, [float(rng.poisson(r)) for r in rate]


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 200), st.floats(0, 50), st.floats(1, 5))
def test_the_score_is_between_zero_and_one_and_grows_with_the_count(x, mu, phi):
    s = tail_score(x, mu, phi)
    assert 0.0 <= s <= 1.0
    assert tail_score(x + 1, mu, phi) >= s - 1e-12


def test_an_injected_spike_scores_near_one_and_ordinary_hours_do_not():
    times, values = hall_series(42)
    i = next(
        k for k, t in enumerate(times) if t.date() == datetime(2025, 10, 9).date() and t.hour == 10
    )
    values[i] += 15
    scores = score_series(times, values, CAL, TZ)
    assert scores[i] > 0.9999
    later = [s for k, s in enumerate(scores) if k >= 24 * 7 and k != i]
    assert sum(s > 0.999 for s in later) <= 3  # α = 0.001 over ~840 hours


def test_the_baseline_knows_that_a_holiday_is_quiet():
    times, values = hall_series(40)
    history = [
        (t, v) for t, v in zip(times, values, strict=True) if t < datetime(2025, 10, 1, tzinfo=TZ)
    ]
    baseline = fit(history, HOUR, CAL, TZ, SpikeParams())
    assert baseline is not None
    holiday = datetime(2025, 10, 2, 10, tzinfo=TZ)  # 国庆: not a working day
    workday = datetime(2025, 10, 9, 10, tzinfo=TZ)
    assert baseline.rate(holiday) < baseline.rate(workday) / 5


def hallwatch(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from hallwatch.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_detect_spikes_reads_a_csv_and_writes_scores_between_zero_and_one(tmp_path):
    times, values = hall_series(35)
    values[24 * 30 + 10] += 20
    path = tmp_path / "series.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["timestamp", "value"])
        for t, v in zip(times, values, strict=True):
            w.writerow([t.isoformat(), int(v)])
    result = hallwatch("alerts", "detect-spikes", str(path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(times)
    assert list(rows[0]) == ["timestamp", "value", "anomaly_score"]
    scores = [float(r["anomaly_score"]) for r in rows]
    assert all(0 <= s <= 1 for s in scores)
    assert max(range(len(scores)), key=scores.__getitem__) == 24 * 30 + 10


def test_detect_spikes_refuses_a_csv_without_the_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("time,count\n2025-01-01T00:00,1\n")
    result = hallwatch("alerts", "detect-spikes", str(path))
    assert result.returncode == 2 and "timestamp,value" in result.stderr
