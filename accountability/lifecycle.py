"""The states of an accountability case and the one function that moves between them, with
labelled rules (alerta's models/alarms/alerta.py habit). Pure: no I/O; the caller saves the
returned `Transition` as a history row and then acts on it.

    draft ──issue──▶ issued ──await_reply──▶ awaiting_reply ──reply──▶ replied ──verify──▶ closed
                       │  └─close (no reply needed)─▶ closed     ▲            │
                       │                                          └return_reply┘
    issued / awaiting_reply ──appeal (liaison)──▶ appealed ──revoke (supervisor)──▶ revoked
                      appealed ──reject_appeal (supervisor)──▶ awaiting_reply (or closed)
                      appealed ──escalate (supervisor)──▶ escalated ──revoke / reject (leader)──▶ …
    any state but deleted ──delete (reason)──▶ deleted
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.enums import Role


class CaseState(StrEnum):
    DRAFT = "draft"  # 草稿
    ISSUED = "issued"  # 已下发
    AWAITING_REPLY = "awaiting_reply"  # 待回复
    REPLIED = "replied"  # 已回复
    CLOSED = "closed"  # 已办结
    APPEALED = "appealed"  # 申诉中
    ESCALATED = "escalated"  # 已提请上级
    REVOKED = "revoked"  # 已撤销
    DELETED = "deleted"  # 已删除


STATE_LABELS = {
    CaseState.DRAFT: "草稿",
    CaseState.ISSUED: "已下发",
    CaseState.AWAITING_REPLY: "待回复",
    CaseState.REPLIED: "已回复待核实",
    CaseState.CLOSED: "已办结",
    CaseState.APPEALED: "申诉中",
    CaseState.ESCALATED: "已提请上级",
    CaseState.REVOKED: "已撤销",
    CaseState.DELETED: "已删除",
}

OPEN_STATES = frozenset(
    {
        CaseState.DRAFT,
        CaseState.ISSUED,
        CaseState.AWAITING_REPLY,
        CaseState.REPLIED,
        CaseState.APPEALED,
        CaseState.ESCALATED,
    }
)


class Action(StrEnum):
    ISSUE = "issue"  # 下发
    AWAIT_REPLY = "await_reply"  # 开始回复计时
    CLOSE = "close"  # 无需回复, 办结
    REPLY = "reply"  # 上传整改报告
    RETURN_REPLY = "return_reply"  # 退回重报
    VERIFY = "verify"  # 核实办结
    APPEAL = "appeal"  # 申诉
    REVOKE = "revoke"  # 撤销
    REJECT_APPEAL = "reject_appeal"  # 驳回申诉
    ESCALATE = "escalate"  # 提请上级
    DELETE = "delete"  # 删除


ACTION_LABELS = {
    Action.ISSUE: "下发",
    Action.AWAIT_REPLY: "开始回复计时",
    Action.CLOSE: "办结",
    Action.REPLY: "上传整改报告",
    Action.RETURN_REPLY: "退回重报",
    Action.VERIFY: "核实办结",
    Action.APPEAL: "申诉",
    Action.REVOKE: "撤销",
    Action.REJECT_APPEAL: "驳回申诉",
    Action.ESCALATE: "提请上级",
    Action.DELETE: "删除",
}

SYSTEM = None  # the `role` of steps the service takes by itself
_S, _L, _LD, _A = Role.SUPERVISOR, Role.LIAISON, Role.LEADER, Role.ADMIN
_APPEALABLE = frozenset({CaseState.ISSUED, CaseState.AWAITING_REPLY})
# Who decides an appeal: the supervisor, or the leader once the supervisor escalated it.
_DECIDERS = (
    (CaseState.APPEALED, Role.SUPERVISOR, "supervisor"),
    (CaseState.ESCALATED, Role.LEADER, "leader"),
)


@dataclass(frozen=True, slots=True)
class Rule:
    label: str
    action: Action
    sources: frozenset[CaseState]
    target: CaseState
    roles: frozenset[Role | None]
    needs_reason: bool = False
    reply_required: bool | None = None  # None: applies either way


@dataclass(frozen=True, slots=True)
class Transition:
    rule: str
    action: Action
    source: CaseState
    target: CaseState


class TransitionError(ValueError):
    """The action is not allowed here (permanent: retrying will not help)."""


def _rule(
    label: str,
    action: Action,
    sources: set[CaseState] | frozenset[CaseState],
    target: CaseState,
    roles: set[Role | None],
    needs_reason: bool = False,
    reply_required: bool | None = None,
) -> Rule:
    return Rule(
        label, action, frozenset(sources), target, frozenset(roles), needs_reason, reply_required
    )


RULES: tuple[Rule, ...] = (
    _rule("issue a draft", Action.ISSUE, {CaseState.DRAFT}, CaseState.ISSUED, {_S}),
    _rule(
        "start the reply clock",
        Action.AWAIT_REPLY,
        {CaseState.ISSUED},
        CaseState.AWAITING_REPLY,
        {SYSTEM, _S},
        reply_required=True,
    ),
    _rule(
        "close a notice that needs no reply",
        Action.CLOSE,
        {CaseState.ISSUED},
        CaseState.CLOSED,
        {SYSTEM, _S},
        reply_required=False,
    ),
    _rule(
        "the liaison uploads the 整改 report",
        Action.REPLY,
        {CaseState.AWAITING_REPLY},
        CaseState.REPLIED,
        {_L, _S},
    ),
    _rule(
        "the supervisor returns an insufficient report",
        Action.RETURN_REPLY,
        {CaseState.REPLIED},
        CaseState.AWAITING_REPLY,
        {_S},
        needs_reason=True,
    ),
    _rule(
        "the supervisor verifies and closes",
        Action.VERIFY,
        {CaseState.REPLIED},
        CaseState.CLOSED,
        {_S},
    ),
    _rule(
        "the department appeals",
        Action.APPEAL,
        _APPEALABLE,
        CaseState.APPEALED,
        {_L},
        needs_reason=True,
    ),
    *(
        _rule(
            f"the appeal is upheld by the {who}",
            Action.REVOKE,
            {state},
            CaseState.REVOKED,
            {role},
            needs_reason=True,
        )
        for state, role, who in _DECIDERS
    ),
    *(
        _rule(
            f"the {who} rejects the appeal: the reply is still due",
            Action.REJECT_APPEAL,
            {state},
            CaseState.AWAITING_REPLY,
            {role},
            needs_reason=True,
            reply_required=True,
        )
        for state, role, who in _DECIDERS
    ),
    *(
        _rule(
            f"the {who} rejects the appeal: the measure stands",
            Action.REJECT_APPEAL,
            {state},
            CaseState.CLOSED,
            {role},
            needs_reason=True,
            reply_required=False,
        )
        for state, role, who in _DECIDERS
    ),
    _rule(
        "the supervisor escalates the appeal to the leader",
        Action.ESCALATE,
        {CaseState.APPEALED},
        CaseState.ESCALATED,
        {_S},
        needs_reason=True,
    ),
    _rule(
        "delete with a reason",
        Action.DELETE,
        set(CaseState) - {CaseState.DELETED},
        CaseState.DELETED,
        {_S, _A},
        needs_reason=True,
    ),
)


def transition(
    state: CaseState,
    action: Action,
    role: Role | None,
    *,
    reply_required: bool = True,
    reason: str | None = None,
) -> Transition:
    """The transition `action` makes from `state` for `role` (None: the system), or
    TransitionError saying why not."""
    candidates = [
        r
        for r in RULES
        if r.action is action
        and state in r.sources
        and (r.reply_required is None or r.reply_required is reply_required)
    ]
    if not candidates:
        raise TransitionError(
            f"{ACTION_LABELS[action]}: 案件处于“{STATE_LABELS[state]}”状态，不能执行此操作"
        )
    rule = candidates[0]
    if role not in rule.roles:
        raise TransitionError(f"{ACTION_LABELS[action]}: 当前角色无权执行此操作")
    if rule.needs_reason and not (reason and reason.strip()):
        raise TransitionError(f"{ACTION_LABELS[action]}: 必须填写理由")
    return Transition(rule.label, action, state, rule.target)


def allowed_actions(
    state: CaseState, role: Role | None, *, reply_required: bool = True
) -> list[Action]:
    """The actions `role` may take from `state` (for the console's buttons)."""
    return [
        r.action
        for r in RULES
        if state in r.sources
        and role in r.roles
        and (r.reply_required is None or r.reply_required is reply_required)
    ]
