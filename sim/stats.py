"""Indicators (DOMAIN.md → Indicators) measured from a stream of events, to check the twin
against its design targets. Independent of how the events were made."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sim.clock import Calendar


@dataclass
class Indicators:
    accepted: int
    completed: int
    same_day_rate: float  # 日结率
    instant_share: float  # 即办件 share of accepted
    promised_mean_days: float  # 承诺件 mean working days (特别程序 not counted)
    speedup_rate: float  # 提速率 = 1 − Σ actual / Σ legal
    satisfaction_rate: float  # 满意率
    rated_share: float  # 评议率
    complaints_per_1000: float  # complaints per 1,000 completed cases


@dataclass
class _Case:
    accepted: datetime | None = None
    instant: bool = False
    legal: int = 0
    completed: datetime | None = None
    paused: date | None = None
    pause_days: int = 0


def indicators(events: Iterable[dict[str, Any]], cal: Calendar) -> Indicators:
    cases: dict[str, _Case] = {}
    scores: list[int] = []
    complaints = 0
    for e in events:
        kind = e["kind"]
        if kind.startswith("case."):
            _case_event(cases.setdefault(e["case_no"], _Case()), e, cal)
        elif kind == "rating.submitted":
            scores.append(e["payload"]["score"])
        elif kind == "complaint.filed":
            complaints += 1
    return _summarise(cases, scores, complaints, cal)


def _case_event(c: _Case, e: dict[str, Any], cal: Calendar) -> None:
    kind, p = e["kind"], e["payload"]
    at = datetime.fromisoformat(e["occurred_at"])
    if kind == "case.accepted":
        c.accepted, c.instant, c.legal = at, p["case_type"] == "instant", p.get("legal_days") or 0
    elif kind == "case.completed":
        c.completed = at
    elif kind == "case.special_procedure_started":
        c.paused = at.date()
    elif kind == "case.special_procedure_ended" and c.paused is not None:
        c.pause_days += cal.working_days_between(c.paused, at.date())
        c.paused = None


def _summarise(
    cases: dict[str, _Case], scores: list[int], complaints: int, cal: Calendar
) -> Indicators:
    accepted = [c for c in cases.values() if c.accepted is not None]
    done = [c for c in accepted if c.completed is not None]
    same_day = sum(1 for c in done if c.completed.date() == c.accepted.date())
    promised = [c for c in done if not c.instant and c.legal > 0]
    days = [
        cal.working_days_between(c.accepted.date(), c.completed.date()) - c.pause_days
        for c in promised
    ]
    legal = sum(c.legal for c in promised)
    return Indicators(
        accepted=len(accepted),
        completed=len(done),
        same_day_rate=_ratio(same_day, len(accepted)),
        instant_share=_ratio(sum(c.instant for c in accepted), len(accepted)),
        promised_mean_days=_ratio(sum(days), len(days)),
        speedup_rate=1 - _ratio(sum(days), legal) if legal else 0.0,
        satisfaction_rate=_ratio(sum(1 for s in scores if s <= 2), len(scores)),
        rated_share=_ratio(len(scores), len(done)),
        complaints_per_1000=1000 * _ratio(complaints, len(done)),
    )


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def absence_minutes_per_window_day(
    presence: dict[str, list[tuple[int, int]]],
    opening: list[tuple[int, int]],
) -> float:
    """Mean minutes per window and working day with nobody in the seat during opening hours."""
    if not presence or not opening:
        return 0.0
    total_open = sum(b - a for a, b in opening)
    days = len({a // 86400 for a, _ in opening})
    empty = 0
    for spans in presence.values():
        inside = sum(max(0, min(b, d) - max(a, c)) for a, b in spans for c, d in opening)
        empty += total_open - inside
    return empty / 60 / len(presence) / max(days, 1)
