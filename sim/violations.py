"""The day's planted violations: how many of each kind (spread evenly over working days, so a
short run still gets every kind) and where they go."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

from core.enums import CameraStatus
from sim.config import ViolationConfig
from sim.presence import MIN, planted_absence

FAULT_CYCLE = (
    CameraStatus.OFFLINE,
    CameraStatus.FROZEN,
    CameraStatus.COVERED,
    CameraStatus.DARK,
    CameraStatus.MOVED,
)


@dataclass
class Spike:
    kind: str  # "complaint" or "rating"
    department_code: str
    start: int
    end: int


@dataclass
class DayPlan:
    empties: dict[str, tuple[int, int]] = field(default_factory=dict)  # window -> absence
    faults: dict[str, tuple[int, int, CameraStatus]] = field(default_factory=dict)
    spikes: list[Spike] = field(default_factory=list)
    quotas: dict[str, int] = field(default_factory=dict)  # case-level kinds -> count


CASE_KINDS = (
    "overdue_promised",
    "overdue_legal",
    "fee_off_standard",
    "instant_through",
    "second_supplement",
    "late_supplement",
)


def spread(day: date, rate: float, seed: int, kind: str) -> tuple[int, int]:
    """(count today, running index) so that counts average `rate` per day with no randomness."""
    phase = random.Random(f"phase|{seed}|{kind}").random()
    k = day.toordinal()
    before = math.floor(k * rate + phase)
    return math.floor((k + 1) * rate + phase) - before, before


def plan_day(
    cfg: ViolationConfig,
    seed: int,
    day: date,
    rng: random.Random,
    sessions: list[tuple[int, int]],
    windows: list[tuple[str, str]],  # (window_code, department_code)
) -> DayPlan:
    plan = DayPlan()
    order = [w for w, _ in windows]
    rng.shuffle(order)
    n_empty, _ = spread(day, cfg.window_empty, seed, "window_empty")
    for w in order[:n_empty]:
        plan.empties[w] = planted_absence(rng, sessions)
    n_fault, index = spread(day, cfg.camera_fault, seed, "camera_fault")
    for j, w in enumerate(order[n_empty : n_empty + n_fault]):
        plan.faults[w] = _fault(rng, sessions, FAULT_CYCLE[(index + j) % len(FAULT_CYCLE)])
    n_spike, index = spread(day, cfg.spike, seed, "spike")
    for j in range(n_spike):
        plan.spikes.append(
            _spike(rng, sessions, windows, "complaint" if (index + j) % 2 == 0 else "rating")
        )
    for kind in CASE_KINDS:
        plan.quotas[kind] = spread(day, getattr(cfg, kind), seed, kind)[0]
    return plan


def _fault(rng: random.Random, sessions, status: CameraStatus) -> tuple[int, int, CameraStatus]:
    a, b = rng.choice(sessions)
    length = rng.randint(20 * MIN, min(90 * MIN, b - a - 10 * MIN))
    start = rng.randint(a + 5 * MIN, b - 5 * MIN - length)
    return start, start + length, status


def _spike(rng: random.Random, sessions, windows, kind: str) -> Spike:
    counts: dict[str, int] = {}
    for _, dept in windows:
        counts[dept] = counts.get(dept, 0) + 1
    busy = sorted(counts, key=lambda d: (-counts[d], d))[: max(3, len(counts) // 3)]
    dept = rng.choice(busy)
    long_enough = [s for s in sessions if s[1] - s[0] >= 120 * MIN] or sessions
    a, b = rng.choice(long_enough)
    start = rng.randint(a, max(a, b - 120 * MIN))
    return Spike(kind, dept, start, start + 120 * MIN)
