"""The rules as pure functions: state and `now` in, findings out."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts import rules
from alerts.findings import Clear, Evaluation, Finding, Place, Rule
from alerts.state import (
    CaseEvent,
    CaseTimeline,
    FeeCharge,
    FeedState,
    MatterInfo,
    Ticket,
    WindowState,
    case_clocks,
    notice_clock,
)
from core.calendar import DEFAULT_SCHEDULE, official_calendar
from core.clocks import PolicyName, WarningPolicy
from core.enums import CameraStatus, CaseType, EventKind
from tests.fix_alerts import at

CAL = official_calendar()
PLACE = Place("610802", "YY-ZW", "YY-ZW-SCJG", "YY-ZW-W01")
PROMISED = MatterInfo("M1", CaseType.PROMISED, 6, 20, None)
PAID = MatterInfo("M2", CaseType.INSTANT, 0, 0, Decimal("20.00"))


def timeline(*events: tuple[EventKind, str, dict]) -> CaseTimeline:
    return CaseTimeline("C1", PLACE, tuple(CaseEvent(k, at(t), p) for k, t, p in events))


def findings(ev) -> dict[Rule, Finding]:
    return {o.rule: o for o in ev.outcomes if isinstance(o, Finding)}


def clears(ev) -> set[Rule]:
    return {o.rule for o in ev.outcomes if isinstance(o, Clear)}


# ---------------------------------------------------------------- clocks


def accepted_case(*more: tuple[EventKind, str, dict]) -> CaseTimeline:
    return timeline(
        (EventKind.CASE_APPLIED, "2025-09-15 09:30", {}),
        (EventKind.CASE_ACCEPTED, "2025-09-15 10:00", {}),
        *more,
    )


def promised_state(policy: PolicyName, *more):
    clocks = case_clocks(
        accepted_case(*more), PROMISED, WarningPolicy.preset(policy), CAL, DEFAULT_SCHEDULE
    )
    assert clocks is not None
    return clocks


def test_the_promised_clock_is_quiet_before_its_first_level_and_says_when_to_look_again():
    promised, _ = promised_state(PolicyName.ONE_DAY)
    ev = rules.clock_evaluation(promised, at("2025-09-16 10:00"), CAL, DEFAULT_SCHEDULE)
    assert ev.outcomes == ()
    # 6 working days after Mon 15 Sep = Tue 23 Sep; one day before = Mon 22 Sep close
    assert ev.next_check_at == at("2025-09-22 17:30")


def test_the_one_day_preset_warns_a_day_before_and_turns_red_past_the_deadline():
    promised, _ = promised_state(PolicyName.ONE_DAY)
    warn = rules.clock_evaluation(promised, at("2025-09-22 17:30"), CAL, DEFAULT_SCHEDULE)
    assert findings(warn)[Rule.CASE_PROMISED].level == "warning"
    red = rules.clock_evaluation(promised, at("2025-09-23 17:30"), CAL, DEFAULT_SCHEDULE)
    assert findings(red)[Rule.CASE_PROMISED].level == "red"
    assert red.next_check_at is None


def test_a_case_completed_in_time_clears_its_warning():
    promised, _ = promised_state(
        PolicyName.ONE_DAY, (EventKind.CASE_COMPLETED, "2025-09-23 09:00", {})
    )
    ev = rules.clock_evaluation(promised, at("2025-09-23 09:01"), CAL, DEFAULT_SCHEDULE)
    assert clears(ev) == {Rule.CASE_PROMISED}


def test_a_special_procedure_moves_the_deadline_by_the_whole_days_it_covered():
    promised, _ = promised_state(
        PolicyName.YULIN,
        (EventKind.CASE_SPECIAL_PROCEDURE_STARTED, "2025-09-16 11:00", {}),
        (EventKind.CASE_SPECIAL_PROCEDURE_ENDED, "2025-09-18 15:00", {}),
    )
    times = rules.level_times(promised, CAL, DEFAULT_SCHEDULE)
    assert times["red"] == at("2025-09-25 17:30")  # Tue 23 + 2 working days (16, 17 paused)


def test_an_extension_granted_after_a_warning_leaves_the_warning_reached():
    promised, _ = promised_state(
        PolicyName.ONE_DAY, (EventKind.CASE_EXTENDED, "2025-09-23 09:00", {"days": 10})
    )
    times = rules.level_times(promised, CAL, DEFAULT_SCHEDULE)
    assert times["warning"] == at("2025-09-22 17:30")
    assert times["red"] > at("2025-10-09 00:00")  # +10 working days (and the 国庆 holiday)


def test_a_vendor_red_is_anchored_on_the_legal_deadline():
    promised, legal = promised_state(PolicyName.VENDOR)
    times = rules.level_times(promised, CAL, DEFAULT_SCHEDULE)
    legal_due = rules.level_times(legal, CAL, DEFAULT_SCHEDULE)["red"]
    assert times["red"] > legal_due


def test_the_supplement_notice_clock_turns_red_five_working_days_after_application():
    case = timeline(
        (EventKind.CASE_APPLIED, "2025-09-15 09:30", {}),
        (EventKind.CASE_SUPPLEMENT_REQUESTED, "2025-09-24 10:00", {"materials": ["x"]}),
    )
    clock = notice_clock(case)
    assert clock is not None
    ev = rules.clock_evaluation(clock, at("2025-09-24 11:00"), CAL, DEFAULT_SCHEDULE)
    f = findings(ev)[Rule.LATE_SUPPLEMENT]
    assert f.level == "red" and f.since == at("2025-09-22 17:30")


@settings(max_examples=60, deadline=None)
@given(days=st.integers(1, 30), hours=st.integers(0, 24 * 60))
def test_levels_only_rise_as_time_goes_on(days, hours):
    matter = MatterInfo("M", CaseType.PROMISED, days, days + 10, None)
    clocks = case_clocks(
        accepted_case(), matter, WarningPolicy.preset(PolicyName.VENDOR), CAL, DEFAULT_SCHEDULE
    )
    assert clocks is not None
    order = {None: -1, "warning": 0, "yellow": 1, "red": 2}
    t0 = at("2025-09-15 10:00")
    seen = []
    for h in (hours, hours + 24, hours + 24 * 7, hours + 24 * 40):
        ev = rules.clock_evaluation(clocks[0], t0 + timedelta(hours=h), CAL, DEFAULT_SCHEDULE)
        f = findings(ev).get(Rule.CASE_PROMISED)
        seen.append(order[f.level if f else None])
        if ev.next_check_at is not None:
            assert ev.next_check_at > t0 + timedelta(hours=h)
    assert seen == sorted(seen)


# ---------------------------------------------------------------- windows


def window(**kw) -> WindowState:
    base = {"window_code": "YY-ZW-W01", "place": PLACE, "schedule": DEFAULT_SCHEDULE}
    return WindowState(**(base | kw))


def test_an_empty_seat_raises_window_empty_after_fifteen_minutes_of_opening_time():
    w = window(occupied=False, empty_since=at("2025-09-16 10:00"))
    early = rules.window_evaluation(w, at("2025-09-16 10:14"), CAL)
    assert Rule.WINDOW_EMPTY not in findings(early)
    assert early.next_check_at == at("2025-09-16 10:15")
    late = rules.window_evaluation(w, at("2025-09-16 10:15"), CAL)
    assert findings(late)[Rule.WINDOW_EMPTY].level == "yellow"


def test_people_waiting_make_an_empty_window_red():
    w = window(occupied=False, empty_since=at("2025-09-16 10:00"), waiting=3)
    assert (
        findings(rules.window_evaluation(w, at("2025-09-16 10:20"), CAL))[Rule.WINDOW_EMPTY].level
        == "red"
    )


def test_the_lunch_break_does_not_count_and_clears_window_empty():
    w = window(occupied=False, empty_since=at("2025-09-16 11:50"))
    lunch = rules.window_evaluation(w, at("2025-09-16 12:30"), CAL)
    assert Rule.WINDOW_EMPTY in clears(lunch)
    after = rules.window_evaluation(w, at("2025-09-16 13:40"), CAL)
    assert Rule.WINDOW_EMPTY not in findings(after)  # counts from 13:30 again
    assert after.next_check_at == at("2025-09-16 13:45")


def test_a_holiday_is_not_opening_time():
    w = window(occupied=False, empty_since=at("2025-10-01 09:00"))
    assert Rule.WINDOW_EMPTY not in findings(
        rules.window_evaluation(w, at("2025-10-01 11:00"), CAL)
    )


def test_a_camera_fault_raises_camera_fault_and_suppresses_window_empty():
    w = window(
        occupied=False,
        empty_since=at("2025-09-16 09:00"),
        camera_status=CameraStatus.FROZEN,
        camera_since=at("2025-09-16 09:05"),
    )
    ev = rules.window_evaluation(w, at("2025-09-16 11:00"), CAL)
    assert set(findings(ev)) == {Rule.CAMERA_FAULT}
    assert Rule.WINDOW_EMPTY in clears(ev)


@settings(max_examples=80, deadline=None)
@given(minutes=st.integers(0, 24 * 60 * 3), empty_for=st.integers(0, 600))
def test_window_empty_is_only_ever_raised_in_opening_hours_after_the_threshold(minutes, empty_for):
    now = at("2025-09-15 00:00") + timedelta(minutes=minutes)
    w = window(occupied=False, empty_since=now - timedelta(minutes=empty_for))
    f = findings(rules.window_evaluation(w, now, CAL)).get(Rule.WINDOW_EMPTY)
    if f is not None:
        assert CAL.is_open(now, DEFAULT_SCHEDULE)
        assert now - f.since >= timedelta(minutes=15)


# ---------------------------------------------------------------- fees, process, queue, feeds


def charge(amount: str, matter: MatterInfo | None) -> FeeCharge:
    return FeeCharge("C1", PLACE, at("2025-09-16 10:00"), Decimal(amount), matter, "R1")


def test_fees_off_the_standard_or_for_a_free_matter_are_red():
    assert (
        findings(rules.fee_evaluation(charge("40.00", PAID)))[Rule.FEE_OFF_STANDARD].level == "red"
    )
    assert findings(rules.fee_evaluation(charge("5.00", PROMISED)))[Rule.FEE_FOR_FREE_MATTER]
    assert rules.fee_evaluation(charge("20.00", PAID)).outcomes == ()


@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_a_charge_is_flagged_exactly_when_it_differs_from_the_standard(amount):
    flagged = bool(findings(rules.fee_evaluation(charge(str(amount), PAID))))
    assert flagged == (amount != Decimal("20.00"))


def test_process_anomalies():
    quick = accepted_case((EventKind.CASE_COMPLETED, "2025-09-15 10:00:40", {}))
    assert Rule.OFF_SYSTEM in findings(
        rules.process_evaluation(quick, PROMISED, CAL, DEFAULT_SCHEDULE)
    )
    unaccepted = timeline(
        (EventKind.CASE_APPLIED, "2025-09-15 09:30", {}),
        (EventKind.CASE_COMPLETED, "2025-09-15 09:40", {}),
    )
    assert Rule.COMPLETED_UNACCEPTED in findings(
        rules.process_evaluation(unaccepted, PROMISED, CAL, DEFAULT_SCHEDULE)
    )
    twice = timeline(
        (EventKind.CASE_APPLIED, "2025-09-15 09:30", {}),
        (EventKind.CASE_SUPPLEMENT_REQUESTED, "2025-09-15 09:35", {}),
        (EventKind.CASE_SUPPLEMENT_REQUESTED, "2025-09-17 09:35", {}),
    )
    assert Rule.SECOND_SUPPLEMENT in findings(
        rules.process_evaluation(twice, PROMISED, CAL, DEFAULT_SCHEDULE)
    )
    late_ext = accepted_case((EventKind.CASE_EXTENDED, "2025-10-20 09:00", {"days": 10}))
    assert Rule.LATE_EXTENSION in findings(
        rules.process_evaluation(late_ext, PROMISED, CAL, DEFAULT_SCHEDULE)
    )
    in_time = accepted_case((EventKind.CASE_EXTENDED, "2025-09-22 09:00", {"days": 10}))
    assert rules.process_evaluation(in_time, PROMISED, CAL, DEFAULT_SCHEDULE).outcomes == ()


def test_queue_long_wait_and_backlog():
    t0 = at("2025-09-16 09:00")
    tickets = [Ticket(f"k{i}", f"A{i:03d}", PLACE, t0 + timedelta(minutes=i)) for i in range(12)]
    ev = queue("YY-ZW-W01", tickets, t0 + timedelta(minutes=31))
    f = [o for o in ev.outcomes if isinstance(o, Finding)]
    assert {o.subject for o in f if o.rule == Rule.QUEUE_LONG_WAIT} == {"k0", "k1"}
    assert any(o.rule == Rule.QUEUE_BACKLOG for o in f)
    assert ev.next_check_at == t0 + timedelta(minutes=32)
    tomorrow = queue("YY-ZW-W01", tickets, t0 + timedelta(days=1))
    assert not [o for o in tomorrow.outcomes if isinstance(o, Finding)]


def queue(name: str, tickets: list[Ticket], now: datetime) -> Evaluation:
    return rules.queue_evaluation(name, PLACE, tickets, now, CAL, DEFAULT_SCHEDULE)


def test_a_wait_across_the_lunch_break_counts_opening_minutes_only():
    ticket = Ticket("k0", "A001", PLACE, at("2025-09-16 11:50"))  # 10 minutes before lunch
    before = queue("YY-ZW-W01", [ticket], at("2025-09-16 13:49"))  # 10 + 19 opening minutes
    assert not findings(before)
    assert before.next_check_at == at("2025-09-16 13:50")
    [late] = [o for o in queue("YY-ZW-W01", [ticket], at("2025-09-16 13:51")).outcomes
              if isinstance(o, Finding)]  # fmt: skip
    assert late.rule == Rule.QUEUE_LONG_WAIT and late.evidence["minutes"] == 31
    called = replace(ticket, called_at=at("2025-09-16 13:55"))
    cleared = queue("YY-ZW-W01", [called], at("2025-09-16 13:56")).outcomes
    assert Clear(Rule.QUEUE_LONG_WAIT, "k0", "已叫号") in cleared


def test_a_feed_silent_for_thirty_opening_minutes_is_stale():
    feed = FeedState("queue", PLACE, at("2025-09-16 11:50"))
    assert not findings(rules.feed_evaluation(feed, at("2025-09-16 13:45"), CAL, DEFAULT_SCHEDULE))
    stale = rules.feed_evaluation(feed, at("2025-09-16 14:00"), CAL, DEFAULT_SCHEDULE)
    assert findings(stale)[Rule.STALE_FEED].level == "yellow"
