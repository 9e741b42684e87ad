"""The measure ladder (问责措施) and the yearly counting rule per person (DOMAIN.md →
Accountability). Pure: the history of measures and the year are passed in.

Ladder, mildest first: 提醒, 约谈, 通报批评, 诫勉谈话, 效能告诫, 扣分, 移送纪检.

Counting rule (one county's published ladder), counted per person per calendar year over
效能告诫 that were not revoked on appeal:
  1st → 书面检查, 取消当年评先评优资格 (written self-criticism, no awards);
  2nd → 取消当年绩效奖金 (no bonus);
  3rd and later → 停职待岗 (suspension), and the unit's leaders are held accountable too.
Read cumulatively: a later count keeps the consequences of the earlier ones.

The suggestion is advice for the supervisor, never applied by itself: one rung above the most
severe measure the subject received this year (persons climb to 效能告诫, which repeats until the
third, then 移送纪检; windows and departments climb to 扣分), and at least the floor for the
alert level that opened the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from accountability.notices.types import NoticeType
from core.enums import ALERT_LEVEL_LABELS, AlertLevel


class Measure(StrEnum):
    REMINDER = "reminder"  # 提醒
    TALK = "talk"  # 约谈
    CRITICISM = "criticism"  # 通报批评
    ADMONITION = "admonition"  # 诫勉谈话
    WARNING = "efficiency_warning"  # 效能告诫
    POINTS = "points"  # 扣分
    REFERRAL = "referral"  # 移送纪检


LADDER: tuple[Measure, ...] = tuple(Measure)  # mildest first
# What the suggestion climbs: persons up to 效能告诫 (repeated under the counting rule), then
# 移送纪检; windows and departments up to 扣分 (deducted in the monthly score).
PERSON_LADDER = (
    Measure.REMINDER,
    Measure.TALK,
    Measure.CRITICISM,
    Measure.ADMONITION,
    Measure.WARNING,
    Measure.REFERRAL,
)
UNIT_LADDER = (Measure.REMINDER, Measure.TALK, Measure.CRITICISM, Measure.POINTS)
WARNINGS_BEFORE_REFERRAL = 3

MEASURE_LABELS = {
    Measure.REMINDER: "提醒",
    Measure.TALK: "约谈",
    Measure.CRITICISM: "通报批评",
    Measure.ADMONITION: "诫勉谈话",
    Measure.WARNING: "效能告诫",
    Measure.POINTS: "扣分",
    Measure.REFERRAL: "移送纪检",
}

# The document that usually carries each measure (the supervisor may pick another).
DEFAULT_NOTICE = {
    Measure.REMINDER: NoticeType.SUPERVISION_ORDER,
    Measure.TALK: NoticeType.INSPECTION_NOTICE,
    Measure.CRITICISM: NoticeType.BULLETIN,
    Measure.ADMONITION: NoticeType.INSPECTION_NOTICE,
    Measure.WARNING: NoticeType.WARNING_NOTICE,
    Measure.POINTS: NoticeType.RECTIFICATION_NOTICE,
    Measure.REFERRAL: NoticeType.INSPECTION_ADVICE,
}

# The mildest measure an alert of each level calls for.
LEVEL_FLOOR = {
    AlertLevel.WARNING: Measure.REMINDER,
    AlertLevel.YELLOW: Measure.REMINDER,
    AlertLevel.RED: Measure.TALK,
}


class Consequence(StrEnum):
    SELF_CRITICISM = "self_criticism"  # 书面检查
    NO_AWARDS = "no_awards"  # 取消当年评先评优资格
    NO_BONUS = "no_bonus"  # 取消当年绩效奖金
    SUSPENSION = "suspension"  # 停职待岗
    LEADERS_ACCOUNTABLE = "leaders_accountable"  # 追究所在单位领导责任


CONSEQUENCE_LABELS = {
    Consequence.SELF_CRITICISM: "作出书面检查",
    Consequence.NO_AWARDS: "取消当年评先评优资格",
    Consequence.NO_BONUS: "取消当年绩效奖金",
    Consequence.SUSPENSION: "停职待岗",
    Consequence.LEADERS_ACCOUNTABLE: "同时追究所在单位领导责任",
}


@dataclass(frozen=True, slots=True)
class PastMeasure:
    """A measure taken earlier against the same subject."""

    measure: Measure
    decided_on: date
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    measure: Measure
    warnings_this_year: int  # 效能告诫 already counted this year (before this one)
    consequences: tuple[Consequence, ...]  # of this measure under the counting rule
    reason: str  # in Chinese, shown to the supervisor


def warning_consequences(nth: int) -> tuple[Consequence, ...]:
    """What the `nth` 效能告诫 of a person in one year brings (nth >= 1)."""
    if nth < 1:
        raise ValueError(f"nth must be >= 1, got {nth}")
    if nth == 1:
        return (Consequence.SELF_CRITICISM, Consequence.NO_AWARDS)
    if nth == 2:
        return (Consequence.SELF_CRITICISM, Consequence.NO_AWARDS, Consequence.NO_BONUS)
    return (
        Consequence.SELF_CRITICISM,
        Consequence.NO_AWARDS,
        Consequence.NO_BONUS,
        Consequence.SUSPENSION,
        Consequence.LEADERS_ACCOUNTABLE,
    )


def counted(history: Iterable[PastMeasure], year: int) -> list[PastMeasure]:
    """The measures of `year` that count (not revoked on appeal)."""
    return [m for m in history if m.decided_on.year == year and not m.revoked]


def warnings_in_year(history: Iterable[PastMeasure], year: int) -> int:
    return sum(1 for m in counted(history, year) if m.measure is Measure.WARNING)


def rung(measure: Measure) -> int:
    return LADDER.index(measure)


def suggest(
    history: Iterable[PastMeasure],
    today: date,
    level: AlertLevel | None = None,
    *,
    person: bool = True,
) -> Suggestion:
    """The measure to propose for a new case against a subject (a person, or with
    `person=False` a window or department) with `history`."""
    this_year = counted(history, today.year)
    ladder = PERSON_LADDER if person else UNIT_LADDER
    floor = LEVEL_FLOOR[level] if level else Measure.REMINDER
    warnings = sum(1 for m in this_year if m.measure is Measure.WARNING)
    worst = max((rung(m.measure) for m in this_year), default=-1)
    step = next((m for m in ladder if rung(m) > worst), ladder[-1])
    if person and worst == rung(Measure.WARNING) and warnings < WARNINGS_BEFORE_REFERRAL:
        step = Measure.WARNING  # repeat: the counting rule makes each one weigh more
    measure = max(step, floor, key=rung)
    consequences = warning_consequences(warnings + 1) if measure is Measure.WARNING else ()
    return Suggestion(measure, warnings, consequences, _reason(this_year, measure, floor, level))


def _reason(
    this_year: list[PastMeasure], measure: Measure, floor: Measure, level: AlertLevel | None
) -> str:
    if not this_year:
        basis = "本年度无问责记录"
    else:
        worst = max(this_year, key=lambda m: rung(m.measure))
        basis = f"本年度已受{len(this_year)}次问责，最重为{MEASURE_LABELS[worst.measure]}"
    text = f"{basis}，建议{MEASURE_LABELS[measure]}"
    if level is not None and measure is floor and rung(floor) > 0:
        text += f"（{ALERT_LEVEL_LABELS[level]}至少{MEASURE_LABELS[floor]}）"
    if measure is Measure.WARNING:
        nth = sum(1 for m in this_year if m.measure is Measure.WARNING) + 1
        rules = "、".join(CONSEQUENCE_LABELS[c] for c in warning_consequences(nth))
        text += f"；此为本年度第{nth}次效能告诫，按规定{rules}"
    return text
