"""Who sits in each window's seat through a working day: arrival, lunch, harmless short absences
and the planted long ones. Pure functions of the day's random stream."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from core.enums import CameraStatus

MIN = 60
SHORT_MAX = 10 * MIN  # a harmless absence lasts at most 10 minutes
MARGIN = 20 * MIN  # and keeps 20 minutes from session edges and from other absences


@dataclass(slots=True)
class WindowDay:
    """One window on one working day: seat occupancy, customers, camera faults."""

    window_code: str
    department_code: str
    staff_id: str  # who sits (A post, or B when A is away)
    backup_id: str  # the other post
    occupied: list[tuple[int, int]] = field(default_factory=list)
    available: list[tuple[int, int]] = field(default_factory=list)  # occupied ∩ opening hours
    services: list[tuple[int, int]] = field(default_factory=list)  # a customer at the counter
    faults: list[tuple[int, int, CameraStatus]] = field(default_factory=list)
    free_at: int = 0  # allocation cursor of the queue


def seat_day(
    rng: random.Random,
    sessions: list[tuple[int, int]],
    short_rate: float,
    planted: tuple[int, int] | None,
) -> list[tuple[int, int]]:
    """Occupied intervals of the seat: sessions stretched by small arrival/leave jitter, minus the
    planted absence and some short ones."""
    base = []
    for i, (a, b) in enumerate(sessions):
        start = a + rng.randint(-15 * MIN if i == 0 else -8 * MIN, 2 * MIN)
        end = b + rng.randint(0, 10 * MIN if i == len(sessions) - 1 else 6 * MIN)
        base.append((start, end))
    gaps = [] if planted is None else [planted]
    for _ in range(poisson(rng, short_rate)):
        gap = _short_absence(rng, sessions, gaps)
        if gap:
            gaps.append(gap)
    return subtract(base, sorted(gaps))


def planted_absence(rng: random.Random, sessions: list[tuple[int, int]]) -> tuple[int, int]:
    """A long absence (16–70 min) inside opening hours; a quarter start at a session start (late
    arrival, late back from lunch)."""
    a, b = rng.choice(sessions)
    length = rng.randint(16 * MIN, min(70 * MIN, b - a - 20 * MIN))
    if rng.random() < 0.25:
        return a, a + length
    start = rng.randint(a + 10 * MIN, b - 10 * MIN - length)
    return start, start + length


def _short_absence(rng: random.Random, sessions, taken: list[tuple[int, int]]):
    for _ in range(6):
        a, b = rng.choice(sessions)
        length = rng.randint(2 * MIN, SHORT_MAX)
        if b - a < 2 * MARGIN + length:
            continue
        start = rng.randint(a + MARGIN, b - MARGIN - length)
        gap = (start, start + length)
        if all(gap[1] + MARGIN <= s or e + MARGIN <= gap[0] for s, e in taken):
            return gap
    return None


def subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in spans:
        cur = a
        for s, e in holes:
            if e <= cur or s >= b:
                continue
            if s > cur:
                out.append((cur, s))
            cur = max(cur, e)
        if cur < b:
            out.append((cur, b))
    return out


def intersect(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in xs:
        for c, d in ys:
            lo, hi = max(a, c), min(b, d)
            if lo < hi:
                out.append((lo, hi))
    return sorted(out)


def empty_spans(occupied, sessions) -> list[tuple[int, int]]:
    """Parts of opening hours with nobody in the seat."""
    return subtract(sessions, occupied)


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = pow(2.718281828459045, -lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
