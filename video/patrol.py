"""Video patrol (视频巡查): the checklist an inspector records findings against (GB/T 36112
service-hall items), severities, a finding's two clocks (respond within 1 hour, fix within 24
hours), its lifecycle, and the patrol's round through windows. Pure: `now` is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.clocks import Budget, BudgetUnit, Clock, due_at

RESPOND_MINUTES = 60
FIX_MINUTES = 24 * 60


class CheckItem(StrEnum):
    """GB/T 36112 window-service checklist."""

    ON_DUTY = "on_duty"  # 在岗
    APPEARANCE = "appearance"  # 仪容仪表
    ATTITUDE = "attitude"  # 服务态度
    DISCIPLINE = "discipline"  # 工作纪律
    ENVIRONMENT = "environment"  # 环境秩序


CHECK_LABELS = {
    CheckItem.ON_DUTY: "在岗",
    CheckItem.APPEARANCE: "仪容仪表",
    CheckItem.ATTITUDE: "服务态度",
    CheckItem.DISCIPLINE: "工作纪律",
    CheckItem.ENVIRONMENT: "环境秩序",
}


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    SERIOUS = "serious"


SEVERITY_LABELS = {Severity.MINOR: "一般", Severity.MAJOR: "较重", Severity.SERIOUS: "严重"}


class FindingStatus(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    FIXED = "fixed"


FINDING_STATUS_LABELS = {
    FindingStatus.OPEN: "待响应",
    FindingStatus.RESPONDED: "整改中",
    FindingStatus.FIXED: "已整改",
}


class FindingAction(StrEnum):
    RESPOND = "responded"
    FIX = "fixed"


class TransitionError(ValueError):
    """The action is not allowed from the finding's current status."""


# (from status, action) -> (to status, label of the rule that allows it)
_RULES: dict[tuple[FindingStatus, FindingAction], tuple[FindingStatus, str]] = {
    (FindingStatus.OPEN, FindingAction.RESPOND): (FindingStatus.RESPONDED, "respond-open"),
    (FindingStatus.OPEN, FindingAction.FIX): (FindingStatus.FIXED, "fix-without-response"),
    (FindingStatus.RESPONDED, FindingAction.FIX): (FindingStatus.FIXED, "fix-responded"),
}


def transition(status: FindingStatus, action: FindingAction) -> tuple[FindingStatus, str]:
    """The status after `action` and the label of the rule that allowed it."""
    try:
        return _RULES[(status, action)]
    except KeyError:
        raise TransitionError(f"cannot {action.value} a finding that is {status.value}") from None


@dataclass(frozen=True, slots=True)
class FindingClocks:
    respond_due_at: datetime
    fix_due_at: datetime


def finding_clocks(found_at: datetime) -> FindingClocks:
    """Respond within 1 hour, fix within 24 hours (elapsed time, DOMAIN.md → warning policies)."""
    respond = due_at(Clock(found_at, Budget(RESPOND_MINUTES, BudgetUnit.MINUTES)))
    fix = due_at(Clock(found_at, Budget(FIX_MINUTES, BudgetUnit.MINUTES)))
    assert respond is not None and fix is not None  # no pauses: always known
    return FindingClocks(respond, fix)


def overdue(status: FindingStatus, clocks: FindingClocks, now: datetime) -> tuple[bool, bool]:
    """(response overdue, fix overdue) at `now`."""
    return (
        status == FindingStatus.OPEN and now >= clocks.respond_due_at,
        status != FindingStatus.FIXED and now >= clocks.fix_due_at,
    )


def patrol_position(started_at: datetime, now: datetime, seconds_each: int, n: int) -> int:
    """Index of the window on screen `now` in a round of `n` windows, `seconds_each` apiece
    (the round starts over when it ends)."""
    if n <= 0:
        raise ValueError("a patrol needs at least one window")
    elapsed = max(0.0, (now - started_at).total_seconds())
    return int(elapsed // seconds_each) % n


def coverage(visited: Sequence[str], windows: Sequence[str]) -> float:
    """Share of `windows` visited at least once (0 when there are none)."""
    if not windows:
        return 0.0
    return len(set(visited) & set(windows)) / len(set(windows))
