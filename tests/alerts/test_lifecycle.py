"""Labelled lifecycle transitions, escalation and silences; people's actions through the repo
write history and the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest

from alerts.findings import Finding, Place, Rule
from alerts.lifecycle import (
    Action,
    AlertStatus,
    AlertView,
    DismissReason,
    TransitionError,
    should_escalate,
    transition,
)
from alerts.silences import Silence, SilenceSchedule, silenced_by
from core.calendar import DEFAULT_SCHEDULE, official_calendar
from core.enums import AlertLevel, Role
from store.repos import audit
from store.repos.alerts import records
from tests.fix_alerts import at

OPEN = AlertView(AlertStatus.OPEN, AlertLevel.RED)


def test_open_is_acknowledged_then_assigned_then_resolved():
    ack = transition(OPEN, Action.ACKNOWLEDGE)
    assert (ack.status, ack.label) == (AlertStatus.ACKNOWLEDGED, "ack-open")
    assigned = transition(AlertView(ack.status, ack.level), Action.ASSIGN, assignee="liaison")
    assert assigned.status == AlertStatus.ASSIGNED and assigned.assignee == "liaison"
    done = transition(AlertView(assigned.status, assigned.level), Action.RESOLVE)
    assert done.status == AlertStatus.RESOLVED


def test_dismissing_needs_a_reason_and_closed_alerts_stay_closed():
    with pytest.raises(TransitionError) as err:
        transition(OPEN, Action.DISMISS, dismiss_reason=DismissReason.FALSE_ALARM)
    assert err.value.label == "dismiss-needs-reason"
    gone = transition(
        OPEN, Action.DISMISS, dismiss_reason=DismissReason.DUPLICATE, reason="同一事件"
    )
    assert gone.label == "dismiss-duplicate"
    with pytest.raises(TransitionError) as err:
        transition(AlertView(gone.status, gone.level), Action.ACKNOWLEDGE)
    assert err.value.label == "closed-is-final"


def test_an_open_red_alert_escalates_once_per_period_up_to_the_leader():
    opened = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)
    assert not should_escalate(OPEN, opened, None, opened + timedelta(minutes=29))
    assert should_escalate(OPEN, opened, None, opened + timedelta(minutes=30))
    top = AlertView(AlertStatus.OPEN, AlertLevel.RED, Role.LEADER)
    assert not should_escalate(top, opened, None, opened + timedelta(hours=5))
    assert not should_escalate(
        AlertView(AlertStatus.ACKNOWLEDGED, AlertLevel.RED),
        opened,
        None,
        opened + timedelta(hours=5),
    )
    assert transition(OPEN, Action.ESCALATE).role == Role.LEADER


def test_silences_match_labels_and_follow_their_schedule():
    cal = official_calendar()
    lunch = Silence(
        1, {"rule": "window.*"}, at("2025-09-01 00:00"), schedule=SilenceSchedule.CLOSED_HOURS
    )
    labels = {"rule": "window.empty", "center_code": "YY-ZW"}
    assert silenced_by([lunch], labels, at("2025-09-16 12:30"), cal, DEFAULT_SCHEDULE) is lunch
    assert silenced_by([lunch], labels, at("2025-09-16 10:30"), cal, DEFAULT_SCHEDULE) is None
    assert (
        silenced_by(
            [lunch], {"rule": "fee.off_standard"}, at("2025-09-16 12:30"), cal, DEFAULT_SCHEDULE
        )
        is None
    )
    weekly = Silence(
        2,
        {"center_code": "YY-ZW"},
        at("2025-09-01 00:00"),
        schedule=SilenceSchedule.WEEKLY,
        weekdays=(1,),
        from_time=time(9),
        to_time=time(10),
    )
    assert (
        silenced_by([weekly], labels, at("2025-09-16 09:30"), cal, DEFAULT_SCHEDULE) is weekly
    )  # a Tuesday
    rest = Silence(3, {}, at("2025-09-01 00:00"), schedule=SilenceSchedule.REST_DAYS)
    assert (
        silenced_by([rest], labels, at("2025-09-28 10:00"), cal, DEFAULT_SCHEDULE) is None
    )  # 调休 workday
    assert silenced_by([rest], labels, at("2025-10-02 10:00"), cal, DEFAULT_SCHEDULE) is rest


def raise_one(conn, subject: str = "C9") -> int:
    f = Finding(
        Rule.FEE_OFF_STANDARD,
        subject,
        Place("610802", "YY-ZW", "YY-ZW-GA"),
        AlertLevel.RED,
        at("2025-09-16 10:00"),
        "收费不符",
        {},
        subject,
    )
    return records.apply_finding(conn, f).alert_id


def test_a_repeat_of_the_same_condition_counts_instead_of_raising_again(conn, small):
    f = Finding(
        Rule.WINDOW_EMPTY,
        "W1",
        Place("610802", "YY-ZW"),
        AlertLevel.YELLOW,
        at("2025-09-16 10:00"),
        "空岗",
        {},
        occurrence="a",
    )
    first = records.apply_finding(conn, f)
    again = records.apply_finding(conn, f)
    other = records.apply_finding(conn, replace(f, occurrence="b"))
    assert first.alert_id == again.alert_id == other.alert_id
    assert (first.action, again.action, other.action) == (Action.RAISE, None, Action.REPEAT)
    assert records.get(conn, first.alert_id).repeat_count == 1


def test_one_batch_raises_changes_level_and_counts_repeats_as_one_at_a_time_would(conn, small):
    base = Finding(
        Rule.WINDOW_EMPTY, "W1", Place("610802", "YY-ZW"), AlertLevel.YELLOW,
        at("2025-09-16 10:00"), "空岗", {}, occurrence="a",
    )  # fmt: skip
    other = replace(base, subject="W2")
    batch = [
        records.Raise(base),
        records.Raise(other, trigger_event_id=7),
        records.Raise(replace(base, level=AlertLevel.RED)),  # same alert again in the batch
        records.Raise(replace(other, occurrence="b")),
    ]
    applied = records.apply_findings(conn, batch)
    assert [a.action for a in applied] == [
        Action.RAISE, Action.RAISE, Action.CHANGE_LEVEL, Action.REPEAT,
    ]  # fmt: skip
    w1, w2 = applied[0].alert_id, applied[1].alert_id
    assert applied[2].alert_id == w1 and applied[3].alert_id == w2 and w1 != w2
    assert [(h.action, h.level) for h in records.history(conn, w1)] == [
        ("raise", "yellow"), ("change_level", "red"),
    ]  # fmt: skip
    assert records.get(conn, w1).level == "red"
    assert records.get(conn, w2).repeat_count == 1
    assert records.get(conn, w2).trigger_event_id == 7


def test_people_actions_write_history_and_the_audit_log(conn, small):
    alert_id = raise_one(conn)
    records.act(conn, alert_id, Action.ACKNOWLEDGE, "supervisor", reason="已知悉")
    records.act(
        conn,
        alert_id,
        Action.DISMISS,
        "supervisor",
        reason="收费标准已调整",
        dismiss_reason=DismissReason.JUSTIFIED,
    )
    history = records.history(conn, alert_id)
    assert [(h.action, h.actor, h.from_status, h.to_status) for h in history] == [
        ("raise", "system", None, "open"),
        ("acknowledge", "supervisor", "open", "acknowledged"),
        ("dismiss", "supervisor", "acknowledged", "dismissed"),
    ]
    assert history[-1].reason == "收费标准已调整"
    assert records.get(conn, alert_id).dismiss_reason == "justified"
    actions = [e.action for e in audit.recent(conn, actor="supervisor")]
    assert actions == ["alert.dismiss", "alert.acknowledge"]
    with pytest.raises(TransitionError):
        records.act(conn, alert_id, Action.ACKNOWLEDGE, "supervisor")
    # once closed, the same condition raises a new alert
    assert raise_one(conn) != alert_id
