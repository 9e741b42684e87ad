"""The generated statistics meet the configured design targets (seed figures of DOMAIN.md)."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.table import Table

from core.reference import Schedule
from sim import clock
from sim.stats import absence_minutes_per_window_day, indicators


def _opening(dataset, calendar):
    out, day = [], dataset.config.start
    for _ in range(dataset.config.days):
        if calendar.is_working_day(day):
            out += clock.sessions(day, Schedule())
        day += timedelta(days=1)
    return out


def test_statistics_meet_the_design_targets(dataset, calendar):
    got = indicators(dataset.events, calendar)
    t = dataset.config.targets
    absence = absence_minutes_per_window_day(dataset.presence, _opening(dataset, calendar))
    rows = [
        ("日结率", got.same_day_rate, t.same_day_rate, 0.03),
        ("即办件占比", got.instant_share, t.instant_share, 0.03),
        ("承诺件平均办结 (工作日)", got.promised_mean_days, t.promised_mean_days, 0.4),
        ("提速率", got.speedup_rate, t.speedup_rate, 0.04),
        ("满意率", got.satisfaction_rate, t.satisfaction_rate, 0.01),
        ("投诉/千件", got.complaints_per_1000, t.complaints_per_1000, 1.0),
        ("评议率", got.rated_share, dataset.config.traffic.rated_share, 0.03),
        ("空岗分钟/窗口/日", absence, 20.0, 10.0),  # ~3 short absences + planted
    ]
    table = Table(
        "指标", "实测", "目标", "容差", title=f"{got.accepted} 件受理, {got.completed} 件办结"
    )
    for name, value, target, tol in rows:
        table.add_row(name, f"{value:.4f}", f"{target:.4f}", f"±{tol}")
    Console(width=100).print(table)

    assert got.accepted > 5000
    for name, value, target, tol in rows:
        assert abs(value - target) <= tol, name
