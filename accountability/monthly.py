"""A centre's month in numbers: department indicators, alert counts, scores under the centre's
scoring model, and the ranking — what 绩效统计 shows and the 月度通报 prints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection

from accountability.indicators import Indicators, Level, Period, compute, from_sums, zero_sums
from accountability.scoring import MonthCounts, Score, ScoringModel, model_from, rank, score
from store.repos import indicators as repo


@dataclass(frozen=True)
class Ranked:
    department_code: str
    department: str
    score: Score
    indicators: Indicators
    warnings: int
    yellow: int
    red: int


@dataclass(frozen=True)
class Month:
    center_code: str
    period: Period
    model: ScoringModel
    centre: Indicators | None
    ranking: list[Ranked]


def month_of(
    conn: Connection[Any],
    center_code: str,
    period: Period,
    *,
    refresh: bool = False,
    now: datetime | None = None,
) -> Month:
    """Indicators, cards and scores of every department of the centre in `period` (scheduled
    minutes of 在岗率 up to `now` when given)."""
    model = model_from(repo.scoring_config(conn, center_code))
    deps = compute(
        conn, Level.DEPARTMENT, period, center_code=center_code, refresh=refresh, now=now
    )
    centre = compute(conn, Level.CENTER, period, center_code=center_code, now=now)
    cards = repo.alert_counts(conn, period.start, period.end, center_code=center_code)
    names = repo.department_names(conn, center_code)
    by_code = {i.key: i for i in deps}
    scores, extra = [], {}
    for code in sorted(names):
        ind = by_code.get(code) or _empty(code)
        w, y, r = (cards.get((code, lvl), 0) for lvl in ("warning", "yellow", "red"))
        sums = ind.sums
        counts = MonthCounts(
            code,
            w,
            y,
            r,
            ind.completed,
            sums.early_n if sums else 0,
            sums.incomplete_n if sums else 0,
        )
        scores.append(score(counts, model))
        extra[code] = (ind, w, y, r)
    tie = {s.key: extra[s.key][0].on_time_rate or 0.0 for s in scores}
    ranking = [Ranked(s.key, names[s.key], s, *extra[s.key]) for s in rank(scores, tie)]
    return Month(center_code, period, model, centre[0] if centre else None, ranking)


def _empty(code: str) -> Indicators:
    return from_sums(zero_sums(code))
