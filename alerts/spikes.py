"""Spike detection for complaint and 差评 counts — and for any regular count series from a file
(`hallwatch alerts detect-spikes FILE.csv`).

Method (chosen among the public-health surveillance methods: CDC EARS C1–C3, NSSP EWMA and
regression, Poisson / negative-binomial tail tests, Farrington): **a seasonal log-linear Poisson
regression with quasi-Poisson over-dispersion and an upper-tail test**, i.e. the NSSP regression
detector / Farrington family, shaped for service halls whose counts depend on the hour of day, the
day of week and the holiday calendar. EARS C1–C3 and EWMA were not chosen: they compare with the
last few days only, so they cannot know that Monday 10:00 is busy and a 国庆 holiday is closed.

Baseline. Each point has a *day class* — `rest` for a non-working day of the working calendar
(weekends and statutory holidays; 调休 make-up workdays count as working days), otherwise its
weekday 0–6 — and a *slot*, its time-of-day bucket (the hour, for hourly data). The expected count
per interval is multiplicative::

    λ(class, slot) = a[class] × b[slot]

fitted by iterative proportional fitting (`IPF_ITERATIONS` rounds; IPF gives the exact Poisson
maximum-likelihood fit of this main-effects log-linear model) on the `history_days` days *before*
the day being tested (the tested day is the guard band). Every (class, slot) cell gets
`prior_weight` pseudo-observations of the overall mean, so that a cell never seen (a Saturday
make-up workday, the night) has a small positive rate instead of zero.

Dispersion. φ = max(1, Pearson χ² / (n − p)) over the history points (n points, p parameters);
counts that vary more than Poisson widen the threshold instead of raising false alarms.

Test. For a window of observed total x with expected μ (the sum of λ over the window; a partial
bucket counts pro rata), the p-value is P(X ≥ x) for X quasi-Poisson(μ, φ), computed as the
Poisson upper tail of x/φ at mean μ/φ with the regularized incomplete gamma function (exact for
φ = 1 and integer x, continuous otherwise). **score = 1 − p ∈ [0, 1]**.

Alarm. score ≥ 1 − `alpha` and x ≥ `min_count`; one alarm per subject while it lasts (the engine
de-duplicates on rule:subject and counts repeats) and it clears when the score falls below
`clear_score`.

Warm-up. With fewer than `min_history_days` days of history, the baseline is the plain mean of
all earlier points (no seasonality) with its own dispersion; with no earlier point the score is 0.

Parameters (defaults): alpha 0.001, min_count 5, history_days 28, min_history_days 7,
prior_weight 1.0, clear_score 0.99; the engine tests a trailing 2-hour window every few minutes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from core.calendar import WorkingCalendar

IPF_ITERATIONS = 12
REST = 7  # day class of non-working days; working days use their weekday 0–6
N_CLASSES = 8


@dataclass(frozen=True, slots=True)
class SpikeParams:
    alpha: float = 0.001  # alarm when the upper-tail p-value is below this
    min_count: int = 5  # and at least this many were counted in the window
    history_days: int = 28  # baseline fitted on this many days before the tested day
    min_history_days: int = 7  # below this, fall back to the plain mean of earlier points
    prior_weight: float = 1.0  # pseudo-observations of the overall mean in every cell
    clear_score: float = 0.99  # an open spike alert clears when the score falls below this
    window: timedelta = timedelta(hours=2)  # trailing window the engine tests


@dataclass(frozen=True, slots=True)
class Baseline:
    """A fitted baseline: expected count per `interval` at any instant, and the dispersion."""

    interval: timedelta
    tz: ZoneInfo
    calendar: WorkingCalendar
    rates: NDArray[np.float64]  # [class, slot], or a single flat rate when seasonal is False
    dispersion: float
    seasonal: bool

    @property
    def slots(self) -> int:
        return int(self.rates.shape[1])

    def rate(self, t: datetime) -> float:
        if not self.seasonal:
            return float(self.rates[0, 0])
        c, s = day_class(t, self.calendar, self.tz), slot_of(t, self.interval, self.tz)
        return float(self.rates[c, min(s, self.slots - 1)])

    def expected(self, start: datetime, end: datetime) -> float:
        """Expected total over [start, end), partial buckets pro rata."""
        total, t = 0.0, start
        while t < end:
            bucket_end = bucket_start(t, self.interval, self.tz) + self.interval
            piece = min(bucket_end, end) - t
            total += self.rate(t) * (piece / self.interval)
            t += piece
        return total


def slots_per_day(interval: timedelta) -> int:
    seconds = interval.total_seconds()
    return max(1, math.ceil(86400 / seconds)) if seconds < 86400 else 1


def slot_of(t: datetime, interval: timedelta, tz: ZoneInfo) -> int:
    local = t.astimezone(tz)
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval >= timedelta(days=1):
        return 0
    return int(since_midnight / interval)


def bucket_start(t: datetime, interval: timedelta, tz: ZoneInfo) -> datetime:
    local = t.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval >= timedelta(days=1):
        return midnight
    return midnight + slot_of(t, interval, tz) * interval


def day_class(t: datetime, calendar: WorkingCalendar, tz: ZoneInfo) -> int:
    d = t.astimezone(tz).date()
    return d.weekday() if calendar.is_working_day(d) else REST


def fit(
    points: Sequence[tuple[datetime, float]],
    interval: timedelta,
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    params: SpikeParams = SpikeParams(),
) -> Baseline | None:
    """Fit the baseline on `points` (all before the tested day); None if there are none."""
    if not points:
        return None
    days = {t.astimezone(tz).date() for t, _ in points}
    y = np.array([v for _, v in points], dtype=np.float64)
    if len(days) < params.min_history_days:
        mean = float(y.mean())
        var = float(y.var(ddof=1)) if len(y) > 1 else mean
        phi = max(1.0, var / mean) if mean > 0 else 1.0
        return Baseline(interval, tz, calendar, np.array([[mean]]), phi, seasonal=False)
    n_slots = slots_per_day(interval)
    cls = np.array([day_class(t, calendar, tz) for t, _ in points])
    slot = np.minimum(np.array([slot_of(t, interval, tz) for t, _ in points]), n_slots - 1)
    rates = _ipf(cls, slot, y, n_slots, params.prior_weight)
    fitted = rates[cls, slot]
    dof = len(y) - (N_CLASSES + n_slots - 1)
    chi2 = float(np.sum((y - fitted) ** 2 / np.maximum(fitted, 1e-9)))
    phi = max(1.0, chi2 / dof) if dof > 0 else 1.0
    return Baseline(interval, tz, calendar, rates, phi, seasonal=True)


def _ipf(
    cls: NDArray[np.int_],
    slot: NDArray[np.int_],
    y: NDArray[np.float64],
    n_slots: int,
    prior: float,
) -> NDArray[np.float64]:
    """Main-effects Poisson fit λ[c, s] = a[c]·b[s] by iterative proportional fitting, with
    `prior` pseudo-observations of the overall mean rate added to every cell."""
    total = np.zeros((N_CLASSES, n_slots))
    exposure = np.zeros((N_CLASSES, n_slots))
    np.add.at(total, (cls, slot), y)
    np.add.at(exposure, (cls, slot), 1.0)
    total += prior * float(y.mean())
    exposure += prior
    a, b = np.ones(N_CLASSES), np.ones(n_slots)
    for _ in range(IPF_ITERATIONS):
        a = total.sum(axis=1) / np.maximum((exposure * b[None, :]).sum(axis=1), 1e-12)
        b = total.sum(axis=0) / np.maximum((exposure * a[:, None]).sum(axis=0), 1e-12)
    rates: NDArray[np.float64] = a[:, None] * b[None, :]
    return rates


def tail_score(observed: float, expected: float, dispersion: float = 1.0) -> float:
    """1 − P(X ≥ observed) for X quasi-Poisson with mean `expected` and dispersion φ ≥ 1."""
    if observed <= 0:
        return 0.0
    phi = max(dispersion, 1.0)
    p = _gamma_p(observed / phi, max(expected, 1e-9) / phi)
    return min(1.0, max(0.0, 1.0 - p))


def _gamma_p(a: float, x: float) -> float:
    """Regularized lower incomplete gamma P(a, x) (Numerical Recipes §6.2); for integer a it is
    the Poisson upper tail P(Y ≥ a) at mean x."""
    if x <= 0:
        return 0.0
    if a < 1e-12:  # P(Y ≥ 0) = 1
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(1000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-14:
                break
        return min(1.0, total * math.exp(log_front))
    # continued fraction for Q(a, x), modified Lentz
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-14:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def is_spike(observed: float, score: float, params: SpikeParams) -> bool:
    return observed >= params.min_count and score >= 1 - params.alpha


# ---------------------------------------------------------------- whole series (files)


def infer_interval(times: Sequence[datetime]) -> timedelta:
    """The series' regular interval: the median gap between consecutive timestamps."""
    if len(times) < 2:
        return timedelta(hours=1)
    gaps = sorted((b - a) for a, b in pairwise(times) if b > a)
    return gaps[len(gaps) // 2] if gaps else timedelta(hours=1)


def score_series(
    times: Sequence[datetime],
    values: Sequence[float],
    calendar: WorkingCalendar,
    tz: ZoneInfo,
    params: SpikeParams = SpikeParams(),
    window: int = 1,
) -> list[float]:
    """The anomaly score of every point of a regular series (sorted by time): each day is tested
    against a baseline fitted on the `history_days` days before it; a point's window is itself
    and the `window − 1` points before it."""
    interval = infer_interval(times)
    points = list(zip(times, values, strict=True))
    scores: list[float] = []
    baseline: Baseline | None = None
    current: date | None = None
    lo = 0
    for i, (t, _) in enumerate(points):
        d = t.astimezone(tz).date()
        if d != current:
            current = d
            start = datetime.combine(d - timedelta(days=params.history_days), datetime.min.time())
            start_aware = start.replace(tzinfo=tz)
            while lo < i and points[lo][0] < start_aware:
                lo += 1
            history = [p for p in points[lo:i] if p[0].astimezone(tz).date() < d]
            baseline = fit(history, interval, calendar, tz, params)
        if baseline is None:
            scores.append(0.0)
            continue
        first = max(0, i - window + 1)
        observed = sum(v for _, v in points[first : i + 1])
        expected = sum(baseline.rate(p[0]) for p in points[first : i + 1])
        scores.append(tail_score(observed, expected, baseline.dispersion))
    return scores
