"""Calibration: from a hall and the design targets to the generator's parameters — which matters
are popular, how often a 承诺件 finishes the same day, how many working days the others take."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from core.reference import Hall, Matter
from sim.config import SimConfig


@dataclass(frozen=True)
class DeptModel:
    code: str
    windows: tuple[str, ...]
    instant: tuple[Matter, ...]
    instant_weights: tuple[float, ...]
    promised: tuple[Matter, ...]
    promised_weights: tuple[float, ...]


@dataclass(frozen=True)
class Model:
    departments: dict[str, DeptModel]
    same_day_promised: float  # probability a 承诺件 is completed on its acceptance day
    duration_tables: dict[int, tuple[tuple[int, ...], tuple[float, ...]]]  # P -> (days, cum w)
    mean_legal_days: float  # case-weighted, after the popularity tilt
    notes: list[str] = field(default_factory=list)


def calibrate(hall: Hall, cfg: SimConfig) -> Model:
    t = cfg.targets
    depts = _departments(hall)
    shares = {d.code: len(d.windows) for d in depts}
    target_legal = t.promised_mean_days / (1 - t.speedup_rate)
    lam = _bisect(lambda x: _mean_legal(depts, shares, x) - target_legal, -2.0, 2.0)
    depts = [_tilted(d, lam) for d in depts]
    s = t.instant_share
    p0 = min(0.9, max(0.0, (t.same_day_rate - s) / (1 - s))) if s < 1 else 0.0
    need = t.promised_mean_days / (1 - p0)
    p_dist = _promised_days_distribution(depts, shares)
    rho = _bisect(lambda r: _mean_duration(p_dist, r) - need, 0.05, 50.0)
    notes = []
    if abs(_mean_duration(p_dist, rho) - need) > 0.05:
        notes.append(f"promised_mean_days unreachable: {need:.2f} days needed beyond 同日")
    return Model(
        departments={d.code: d for d in depts},
        same_day_promised=p0,
        duration_tables={p: _table(p, rho) for p in p_dist},
        mean_legal_days=_mean_legal(depts, shares, 0.0),
        notes=notes,
    )


def _departments(hall: Hall) -> list[DeptModel]:
    out = []
    for dept in hall.departments:
        windows = tuple(w.code for w in hall.windows if w.department_code == dept.code)
        inst = tuple(
            m for m in hall.matters if m.department_code == dept.code and m.legal_days == 0
        )
        prom = tuple(m for m in hall.matters if m.department_code == dept.code and m.legal_days > 0)
        out.append(DeptModel(dept.code, windows, inst, _zipf(len(inst)), prom, _zipf(len(prom))))
    return out


def _zipf(n: int) -> tuple[float, ...]:
    raw = [1.0 / (i + 1) ** 0.8 for i in range(n)]
    return tuple(w / sum(raw) for w in raw)


def _tilted(d: DeptModel, lam: float) -> DeptModel:
    pairs = zip(d.promised_weights, d.promised, strict=True)
    raw = [w * math.exp(-lam * m.legal_days / 10) for w, m in pairs]
    total = sum(raw) or 1.0
    return DeptModel(
        d.code, d.windows, d.instant, d.instant_weights, d.promised, tuple(w / total for w in raw)
    )


def _mean_legal(depts: list[DeptModel], shares: dict[str, int], lam: float) -> float:
    num = den = 0.0
    for d in depts:
        if not d.promised:
            continue
        tilted = _tilted(d, lam)
        num += shares[d.code] * sum(
            w * m.legal_days for w, m in zip(tilted.promised_weights, d.promised, strict=True)
        )
        den += shares[d.code]
    return num / den if den else 0.0


def _promised_days_distribution(depts: list[DeptModel], shares: dict[str, int]) -> dict[int, float]:
    dist: dict[int, float] = {}
    for d in depts:
        for w, m in zip(d.promised_weights, d.promised, strict=True):
            dist[m.promised_days] = dist.get(m.promised_days, 0.0) + shares[d.code] * w
    total = sum(dist.values()) or 1.0
    return {p: w / total for p, w in sorted(dist.items())}


def _weights(p: int, rho: float) -> list[float]:
    """Days 1..P, weight rho**(P − d): rho < 1 favours finishing near the deadline."""
    return [rho ** (p - d) for d in range(1, p + 1)]


def _mean_duration(dist: dict[int, float], rho: float) -> float:
    total = 0.0
    for p, share in dist.items():
        w = _weights(p, rho)
        total += share * sum(d * x for d, x in zip(range(1, p + 1), w, strict=True)) / sum(w)
    return total


def _table(p: int, rho: float) -> tuple[tuple[int, ...], tuple[float, ...]]:
    w = _weights(p, rho)
    cum, acc = [], 0.0
    for x in w:
        acc += x / sum(w)
        cum.append(acc)
    return tuple(range(1, p + 1)), tuple(cum)


def _bisect(f, lo: float, hi: float, steps: int = 60) -> float:
    """Root of a monotone `f` on [lo, hi]; the nearer end when there is none."""
    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        return lo if abs(flo) < abs(fhi) else hi
    for _ in range(steps):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2
