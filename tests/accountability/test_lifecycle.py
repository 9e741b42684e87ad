import pytest

from accountability.lifecycle import (
    Action,
    CaseState,
    TransitionError,
    allowed_actions,
    transition,
)
from core.enums import Role

S, L, LD, A = Role.SUPERVISOR, Role.LIAISON, Role.LEADER, Role.ADMIN


def test_the_happy_path_runs_from_draft_to_closed():
    steps = [
        (CaseState.DRAFT, Action.ISSUE, S, CaseState.ISSUED),
        (CaseState.ISSUED, Action.AWAIT_REPLY, None, CaseState.AWAITING_REPLY),
        (CaseState.AWAITING_REPLY, Action.REPLY, L, CaseState.REPLIED),
        (CaseState.REPLIED, Action.VERIFY, S, CaseState.CLOSED),
    ]
    for state, action, role, target in steps:
        assert transition(state, action, role).target is target


def test_a_notice_without_reply_closes_on_issue_and_cannot_wait_for_one():
    t = transition(CaseState.ISSUED, Action.CLOSE, None, reply_required=False)
    assert t.target is CaseState.CLOSED
    with pytest.raises(TransitionError):
        transition(CaseState.ISSUED, Action.AWAIT_REPLY, None, reply_required=False)


def test_a_liaison_cannot_issue_or_verify():
    with pytest.raises(TransitionError, match="无权"):
        transition(CaseState.DRAFT, Action.ISSUE, L)
    with pytest.raises(TransitionError, match="无权"):
        transition(CaseState.REPLIED, Action.VERIFY, L)


def test_a_closed_case_cannot_be_replied_to():
    with pytest.raises(TransitionError, match="已办结"):
        transition(CaseState.CLOSED, Action.REPLY, L)


def test_returning_a_report_needs_a_reason():
    with pytest.raises(TransitionError, match="理由"):
        transition(CaseState.REPLIED, Action.RETURN_REPLY, S, reason="  ")
    t = transition(CaseState.REPLIED, Action.RETURN_REPLY, S, reason="整改措施不具体")
    assert t.target is CaseState.AWAITING_REPLY


def test_deleting_needs_a_reason_and_a_supervisor_or_admin():
    with pytest.raises(TransitionError, match="理由"):
        transition(CaseState.CLOSED, Action.DELETE, S)
    assert transition(CaseState.CLOSED, Action.DELETE, A, reason="重复立案").target is (
        CaseState.DELETED
    )
    with pytest.raises(TransitionError):
        transition(CaseState.DRAFT, Action.DELETE, L, reason="x")
    with pytest.raises(TransitionError):
        transition(CaseState.DELETED, Action.DELETE, S, reason="again")


def test_an_appeal_is_revoked_rejected_or_escalated_to_the_leader():
    appealed = transition(CaseState.AWAITING_REPLY, Action.APPEAL, L, reason="系统数据有误").target
    assert appealed is CaseState.APPEALED
    assert transition(appealed, Action.REVOKE, S, reason="情况属实").target is CaseState.REVOKED
    assert transition(appealed, Action.REJECT_APPEAL, S, reason="理由不成立").target is (
        CaseState.AWAITING_REPLY
    )
    escalated = transition(appealed, Action.ESCALATE, S, reason="需领导决定").target
    assert transition(escalated, Action.REVOKE, LD, reason="同意撤销").target is CaseState.REVOKED


def test_a_rejected_appeal_of_a_bulletin_closes_the_case():
    t = transition(CaseState.APPEALED, Action.REJECT_APPEAL, S, reason="维持", reply_required=False)
    assert t.target is CaseState.CLOSED


def test_the_leader_decides_only_escalated_appeals_and_the_supervisor_only_the_others():
    assert allowed_actions(CaseState.APPEALED, LD) == []
    assert allowed_actions(CaseState.ESCALATED, LD) == [Action.REVOKE, Action.REJECT_APPEAL]
    with pytest.raises(TransitionError, match="无权"):
        transition(CaseState.ESCALATED, Action.REVOKE, S, reason="x")


def test_allowed_actions_lists_the_buttons_of_a_role():
    assert allowed_actions(CaseState.AWAITING_REPLY, L) == [Action.REPLY, Action.APPEAL]
    assert allowed_actions(CaseState.REPLIED, S) == [
        Action.RETURN_REPLY,
        Action.VERIFY,
        Action.DELETE,
    ]
