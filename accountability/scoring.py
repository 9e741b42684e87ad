"""Monthly scoring (月度考核) of departments (or windows) with a configurable model; the default is
the published city model of DOMAIN.md: base 100; −3 per 3 warnings, −5 per yellow card, −10 per
red card; +1 per 10% of cases finished early; −1 per 1% of cases with incomplete data (at most
−5); grades 优秀/良好/合格/不合格. Pure: the counts are passed in."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Grades(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    excellent: float = Field(default=95, description="优秀 at or above")
    good: float = Field(default=85, description="良好 at or above")
    passing: float = Field(default=70, description="合格 at or above; below: 不合格")


class ScoringModel(BaseModel):
    """Every number of the model; a centre may save its own (table scoring_models)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "published"
    base: float = 100
    warnings_per_block: int = Field(default=3, ge=1, description="every N warnings …")
    points_per_warning_block: float = Field(default=3, ge=0, description="… cost this many points")
    points_per_yellow: float = Field(default=5, ge=0)
    points_per_red: float = Field(default=10, ge=0)
    early_step_pct: float = Field(default=10, gt=0, description="+bonus per this % finished early")
    early_bonus: float = Field(default=1, ge=0)
    incomplete_step_pct: float = Field(default=1, gt=0, description="−points per this % incomplete")
    incomplete_points: float = Field(default=1, ge=0)
    incomplete_max: float = Field(default=5, ge=0, description="cap of the completeness deduction")
    max_score: float | None = Field(default=None, description="cap of the total (None: no cap)")
    grades: Grades = Grades()


PUBLISHED = ScoringModel()


@dataclass(frozen=True)
class MonthCounts:
    key: str
    warnings: int
    yellow: int
    red: int
    completed: int
    early: int
    incomplete: int


@dataclass(frozen=True)
class Score:
    key: str
    total: float
    warning_deduction: float
    yellow_deduction: float
    red_deduction: float
    early_bonus: float
    completeness_deduction: float
    grade: str
    rank: int = 0


def score(c: MonthCounts, model: ScoringModel = PUBLISHED) -> Score:
    warn = (c.warnings // model.warnings_per_block) * model.points_per_warning_block
    yellow = c.yellow * model.points_per_yellow
    red = c.red * model.points_per_red
    early_pct = 100 * c.early / c.completed if c.completed else 0.0
    bonus = math.floor(early_pct / model.early_step_pct + 1e-9) * model.early_bonus
    incomplete_pct = 100 * c.incomplete / c.completed if c.completed else 0.0
    steps = math.ceil(incomplete_pct / model.incomplete_step_pct - 1e-9) if incomplete_pct else 0
    completeness = min(model.incomplete_max, steps * model.incomplete_points)
    total = model.base - warn - yellow - red + bonus - completeness
    if model.max_score is not None:
        total = min(total, model.max_score)
    return Score(c.key, total, warn, yellow, red, bonus, completeness, grade(total, model))


def grade(total: float, model: ScoringModel = PUBLISHED) -> str:
    g = model.grades
    if total >= g.excellent:
        return "优秀"
    if total >= g.good:
        return "良好"
    if total >= g.passing:
        return "合格"
    return "不合格"


def rank(scores: list[Score], tie_break: dict[str, float] | None = None) -> list[Score]:
    """Highest score first; ties by `tie_break` (e.g. on-time rate), then by key. Equal scores
    and tie-breaks share a rank (1, 2, 2, 4)."""
    tb = tie_break or {}
    ordered = sorted(scores, key=lambda s: (-s.total, -tb.get(s.key, 0.0), s.key))
    out: list[Score] = []
    for i, s in enumerate(ordered):
        prev = out[-1] if out else None
        same = prev is not None and (prev.total, tb.get(prev.key, 0.0)) == (
            s.total,
            tb.get(s.key, 0.0),
        )
        out.append(_with_rank(s, prev.rank if same and prev else i + 1))
    return out


def _with_rank(s: Score, r: int) -> Score:
    return replace(s, rank=r)


def model_from(config: dict[str, Any] | None) -> ScoringModel:
    return ScoringModel.model_validate(config) if config else PUBLISHED
