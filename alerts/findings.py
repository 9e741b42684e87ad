"""What the rules say: a `Finding` (this condition holds for this subject, at this level) or a
`Clear` (it no longer holds: auto-resolve). An alert is (rule, subject, level); its de-duplication
key is `rule:subject`, unique among open alerts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.enums import AlertLevel


class Rule(StrEnum):
    # 1. clocks (限时办结)
    CASE_PROMISED = "case.promised_deadline"
    CASE_LEGAL = "case.legal_deadline"
    COMPLAINT_ACCEPTANCE = "complaint.acceptance_deadline"
    COMPLAINT_COMPLETION = "complaint.completion_deadline"
    RATING_RECTIFICATION = "rating.rectification_deadline"
    SUPERVISION_REPLY = "supervision.reply_deadline"
    PATROL_FINDING = "patrol.finding_deadline"
    # 2. windows
    WINDOW_EMPTY = "window.empty"
    CAMERA_FAULT = "camera.fault"
    # 3. spikes
    COMPLAINT_SPIKE = "complaint.spike"
    BAD_RATING_SPIKE = "rating.spike"
    # 4. fees
    FEE_OFF_STANDARD = "fee.off_standard"
    FEE_FOR_FREE_MATTER = "fee.free_matter"
    # 5. process anomalies
    COMPLETED_UNACCEPTED = "case.completed_unaccepted"
    OFF_SYSTEM = "case.off_system"
    SECOND_SUPPLEMENT = "case.second_supplement"
    LATE_SUPPLEMENT = "case.late_supplement"
    LATE_EXTENSION = "case.late_extension"
    # 6. queue
    QUEUE_LONG_WAIT = "queue.long_wait"
    QUEUE_BACKLOG = "queue.backlog"
    # 7. feeds
    STALE_FEED = "feed.stale"


RULE_LABELS: dict[Rule, str] = {
    Rule.CASE_PROMISED: "承诺时限",
    Rule.CASE_LEGAL: "法定时限",
    Rule.COMPLAINT_ACCEPTANCE: "投诉受理时限",
    Rule.COMPLAINT_COMPLETION: "投诉办结时限",
    Rule.RATING_RECTIFICATION: "差评整改时限",
    Rule.SUPERVISION_REPLY: "督办回复时限",
    Rule.PATROL_FINDING: "巡查问题整改时限",
    Rule.WINDOW_EMPTY: "窗口空岗",
    Rule.CAMERA_FAULT: "摄像机故障",
    Rule.COMPLAINT_SPIKE: "投诉激增",
    Rule.BAD_RATING_SPIKE: "差评激增",
    Rule.FEE_OFF_STANDARD: "收费与标准不符",
    Rule.FEE_FOR_FREE_MATTER: "免费事项收费",
    Rule.COMPLETED_UNACCEPTED: "未受理即办结",
    Rule.OFF_SYSTEM: "疑似体外循环",
    Rule.SECOND_SUPPLEMENT: "二次补正(一次告知未落实)",
    Rule.LATE_SUPPLEMENT: "补正告知超过5日",
    Rule.LATE_EXTENSION: "超期后延期",
    Rule.QUEUE_LONG_WAIT: "排队超时",
    Rule.QUEUE_BACKLOG: "窗口排队积压",
    Rule.STALE_FEED: "数据源中断",
}

CLOCK_RULES = frozenset(
    {
        Rule.CASE_PROMISED,
        Rule.CASE_LEGAL,
        Rule.COMPLAINT_ACCEPTANCE,
        Rule.COMPLAINT_COMPLETION,
        Rule.RATING_RECTIFICATION,
        Rule.SUPERVISION_REPLY,
        Rule.PATROL_FINDING,
    }
)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a subject lives in the network (every alert is scoped by region and department)."""

    region_code: str
    center_code: str
    department_code: str | None = None
    window_code: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """The condition of `rule` holds for `subject` at `level` since `since`."""

    rule: Rule
    subject: str
    place: Place
    level: AlertLevel
    since: datetime  # when the condition began (due time, first empty sample, the event …)
    summary: str  # one line in Chinese, shown on the board and in notifications
    evidence: Mapping[str, Any] = field(default_factory=dict)
    case_no: str | None = None
    # Distinguishes repeats: the same occurrence seen twice is not a repeat (re-processing an
    # event after a restart); a new occurrence of an open alert increments its repeat counter.
    occurrence: str = ""

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.rule, self.subject)


@dataclass(frozen=True, slots=True)
class Clear:
    """The condition of `rule` no longer holds for `subject`: auto-resolve its open alert."""

    rule: Rule
    subject: str
    reason: str

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.rule, self.subject)


Outcome = Finding | Clear


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one rule says about one subject at `now`, and when to look again (a timer)."""

    outcomes: tuple[Outcome, ...] = ()
    next_check_at: datetime | None = None

    def __add__(self, other: Evaluation) -> Evaluation:
        nxt = [t for t in (self.next_check_at, other.next_check_at) if t is not None]
        return Evaluation(self.outcomes + other.outcomes, min(nxt, default=None))


def dedup_key(rule: Rule | str, subject: str) -> str:
    return f"{rule}:{subject}"
