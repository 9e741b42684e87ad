"""The alert lifecycle (alerta's habit: string enums, one transition function whose rules carry
labels and reject bad actions).

    open → acknowledged → assigned → resolved
      └──────────┴────────────┴────→ dismissed (reason required: false alarm, duplicate, justified)

Besides the status, an alert has a level (raised or lowered while it is active), a repeat
counter (de-duplication) and the role it is escalated to. Every accepted transition becomes one
row of `alert_history` with actor and reason; the engine and the console both go through
`transition`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.enums import AlertLevel, Role


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


STATUS_LABELS = {
    AlertStatus.OPEN: "待处理",
    AlertStatus.ACKNOWLEDGED: "已确认",
    AlertStatus.ASSIGNED: "已指派",
    AlertStatus.RESOLVED: "已解决",
    AlertStatus.DISMISSED: "已驳回",
}
ACTIVE = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.ASSIGNED})


class Action(StrEnum):
    RAISE = "raise"  # a new alert
    REPEAT = "repeat"  # the same condition seen again (de-duplicated)
    CHANGE_LEVEL = "change_level"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    AUTO_RESOLVE = "auto_resolve"
    DISMISS = "dismiss"


ACTION_LABELS = {
    Action.RAISE: "产生",
    Action.REPEAT: "重复",
    Action.CHANGE_LEVEL: "级别变化",
    Action.ACKNOWLEDGE: "确认",
    Action.ASSIGN: "指派",
    Action.ESCALATE: "升级",
    Action.RESOLVE: "解决",
    Action.AUTO_RESOLVE: "自动解除",
    Action.DISMISS: "驳回",
}


class DismissReason(StrEnum):
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"
    JUSTIFIED = "justified"


DISMISS_LABELS = {
    DismissReason.FALSE_ALARM: "误报",
    DismissReason.DUPLICATE: "重复告警",
    DismissReason.JUSTIFIED: "情况属实但有正当理由",
}

# Unacknowledged red alerts climb this ladder (DOMAIN.md: supervisors watch, leaders decide).
ESCALATION_CHAIN: tuple[Role, ...] = (Role.SUPERVISOR, Role.LEADER)
SYSTEM = "system"


class TransitionError(ValueError):
    """An action that the alert's state does not allow; `label` names the rule that refused."""

    def __init__(self, label: str, message: str) -> None:
        self.label = label
        super().__init__(f"{label}: {message}")


@dataclass(frozen=True, slots=True)
class AlertView:
    """What the transition rules need to know about an alert."""

    status: AlertStatus
    level: AlertLevel
    role: Role = Role.SUPERVISOR  # the role it is escalated to
    assignee: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """An accepted transition: the alert's new state and the history row's label."""

    label: str
    action: Action
    status: AlertStatus
    level: AlertLevel
    role: Role
    assignee: str | None
    reason: str | None


def next_role(role: Role) -> Role | None:
    try:
        i = ESCALATION_CHAIN.index(role)
    except ValueError:
        return ESCALATION_CHAIN[0]
    return ESCALATION_CHAIN[i + 1] if i + 1 < len(ESCALATION_CHAIN) else None


def transition(
    alert: AlertView,
    action: Action,
    *,
    reason: str | None = None,
    dismiss_reason: DismissReason | None = None,
    assignee: str | None = None,
    level: AlertLevel | None = None,
) -> Change:
    """Apply `action` to `alert` or raise TransitionError with the label of the refusing rule."""
    s = alert.status

    def ok(
        label: str,
        status: AlertStatus = s,
        level: AlertLevel = alert.level,
        role: Role = alert.role,
        assignee: str | None = alert.assignee,
    ) -> Change:
        return Change(label, action, status, level, role, assignee, reason)

    if action == Action.RAISE:
        return ok("raise-new", AlertStatus.OPEN)
    if s not in ACTIVE:
        raise TransitionError(
            "closed-is-final", f"告警已{STATUS_LABELS[s]}，不能再{ACTION_LABELS[action]}"
        )
    if action == Action.REPEAT:
        return ok("repeat-counts")
    if action == Action.CHANGE_LEVEL:
        if level is None or level == alert.level:
            raise TransitionError("level-must-change", "级别没有变化")
        return ok("level-follows-condition", level=level)
    if action == Action.ACKNOWLEDGE:
        if s != AlertStatus.OPEN:
            raise TransitionError("ack-only-open", "只有待处理的告警可以确认")
        return ok("ack-open", AlertStatus.ACKNOWLEDGED)
    if action == Action.ASSIGN:
        if not assignee:
            raise TransitionError("assign-needs-assignee", "指派需要指定处理人")
        return ok("assign-to-person", AlertStatus.ASSIGNED, assignee=assignee)
    if action == Action.ESCALATE:
        role = next_role(alert.role)
        if role is None:
            raise TransitionError("escalate-top-reached", "已升级到最高一级")
        return ok("escalate-next-role", role=role)
    if action == Action.RESOLVE:
        if s == AlertStatus.OPEN:
            raise TransitionError("resolve-after-ack", "请先确认再标记解决")
        return ok("resolve-by-person", AlertStatus.RESOLVED)
    if action == Action.AUTO_RESOLVE:
        return ok("auto-resolve-condition-cleared", AlertStatus.RESOLVED)
    if action == Action.DISMISS:
        if dismiss_reason is None or not (reason or "").strip():
            raise TransitionError("dismiss-needs-reason", "驳回需要选择原因并填写说明")
        return ok(f"dismiss-{dismiss_reason}", AlertStatus.DISMISSED)
    raise TransitionError("unknown-action", str(action))  # pragma: no cover


def should_escalate(
    alert: AlertView,
    opened_at: datetime,
    escalated_at: datetime | None,
    now: datetime,
    after: timedelta = timedelta(minutes=30),
) -> bool:
    """An unacknowledged red alert is escalated to the next role every `after` (default 30 min)."""
    if alert.status != AlertStatus.OPEN or alert.level != AlertLevel.RED:
        return False
    if next_role(alert.role) is None:
        return False
    return now - (escalated_at or opened_at) >= after
