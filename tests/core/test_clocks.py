"""Clock arithmetic: due times under §201/§203, pauses (§45), extensions (§42), warning presets."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.calendar import Override, official_calendar
from core.clocks import (
    Anchor,
    Budget,
    BudgetUnit,
    Clock,
    Pause,
    PolicyName,
    Threshold,
    WarningPolicy,
    assess,
    due_at,
    level_at,
    level_due_times,
    next_fire_at,
    time_left,
)
from core.enums import AlertLevel
from core.reference import Schedule, Session

CAL = official_calendar()
SHANGHAI = ZoneInfo("Asia/Shanghai")
W, Y, R = AlertLevel.WARNING, AlertLevel.YELLOW, AlertLevel.RED
YULIN = WarningPolicy.preset(PolicyName.YULIN)
ONE_DAY = WarningPolicy.preset(PolicyName.ONE_DAY)
VENDOR = WarningPolicy.preset(PolicyName.VENDOR)


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def working_days(n: int) -> Budget:
    return Budget(n, BudgetUnit.WORKING_DAYS)


ACCEPTED = at(2026, 2, 13, 10, 0)  # a Friday before 春节
PROMISED = Clock(ACCEPTED, working_days(20), YULIN)


# ---------------------------------------------------------------- due times


def test_a_twenty_day_promise_accepted_13_february_2026_is_due_at_close_on_19_march() -> None:
    assert due_at(PROMISED) == at(2026, 3, 19, 17, 30)


def test_the_starting_day_is_not_counted_whatever_the_hour_of_acceptance() -> None:
    for hour in (8, 10, 17, 23):
        clock = Clock(at(2026, 2, 13, hour), working_days(20))
        assert due_at(clock) == at(2026, 3, 19, 17, 30)


def test_the_deadline_is_the_close_of_the_centres_own_schedule() -> None:
    late = Schedule(
        sessions=(
            Session(start=time(8, 30), end=time(12, 0)),
            Session(start=time(14, 30), end=time(18, 0)),
        )
    )
    assert due_at(PROMISED, schedule=late) == at(2026, 3, 19, 18, 0)


def test_an_instant_case_is_due_at_close_of_the_day_or_of_the_next_working_day() -> None:
    instant = working_days(0)
    assert due_at(Clock(at(2026, 9, 30, 10), instant)) == at(2026, 9, 30, 17, 30)
    assert due_at(Clock(at(2026, 9, 30, 18), instant)) == at(2026, 10, 8, 17, 30)
    assert due_at(Clock(at(2026, 10, 4, 10), instant)) == at(2026, 10, 8, 17, 30)


def test_an_extension_adds_ten_working_days() -> None:
    extended = Clock(ACCEPTED, working_days(20), extensions=(working_days(10),))
    assert due_at(extended) == at(2026, 4, 2, 17, 30)
    assert extended.total == working_days(30)


def test_an_extension_in_another_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="extension"):
        Clock(ACCEPTED, working_days(20), extensions=(Budget(10, BudgetUnit.CALENDAR_DAYS),))


def test_a_calendar_day_clock_ends_at_midnight_of_the_last_day() -> None:
    clock = Clock(at(2026, 9, 30, 15), Budget(7, BudgetUnit.CALENDAR_DAYS))
    assert due_at(clock) == at(2026, 10, 8)


def test_a_minute_clock_counts_elapsed_time() -> None:
    respond = Clock(at(2026, 10, 9, 11, 45), Budget(60, BudgetUnit.MINUTES))
    assert due_at(respond) == at(2026, 10, 9, 12, 45)


def test_a_working_minute_clock_skips_lunch() -> None:
    clock = Clock(at(2026, 10, 9, 11, 45), Budget(60, BudgetUnit.WORKING_MINUTES))
    assert due_at(clock) == at(2026, 10, 9, 14, 15)


def test_a_local_closure_moves_the_deadline() -> None:
    closed = CAL.with_overrides([Override(date(2026, 3, 2), False, "台风停工", "610800")])
    assert due_at(PROMISED, calendar=closed.for_region("610802")) == at(2026, 3, 20, 17, 30)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Clock(datetime(2026, 2, 13, 10), working_days(20))
    with pytest.raises(ValueError, match="aware"):
        level_at(PROMISED, datetime(2026, 3, 1))


# ---------------------------------------------------------------- pauses


def test_a_special_procedure_shifts_the_deadline_by_the_working_time_it_covered() -> None:
    # Two full working days and one morning (3 h) of 专家评审.
    clock = Clock(
        ACCEPTED, working_days(20), pauses=(Pause(at(2026, 3, 2, 9), at(2026, 3, 4, 12)),)
    )
    assert due_at(clock) == at(2026, 3, 24, 12, 0)


def test_a_pause_on_the_uncounted_starting_day_changes_nothing() -> None:
    clock = Clock(
        ACCEPTED, working_days(20), pauses=(Pause(at(2026, 2, 13, 11), at(2026, 2, 13, 16)),)
    )
    assert due_at(clock) == due_at(PROMISED)


def test_a_pause_that_starts_after_the_deadline_does_not_rescue_it() -> None:
    clock = Clock(
        ACCEPTED, working_days(20), pauses=(Pause(at(2026, 3, 20, 9), at(2026, 3, 27, 9)),)
    )
    assert due_at(clock) == due_at(PROMISED)


def test_overlapping_pauses_count_their_union_once() -> None:
    one = Clock(ACCEPTED, working_days(20), pauses=(Pause(at(2026, 3, 2, 9), at(2026, 3, 4, 12)),))
    two = Clock(
        ACCEPTED,
        working_days(20),
        pauses=(
            Pause(at(2026, 3, 3, 9), at(2026, 3, 4, 12)),
            Pause(at(2026, 3, 2, 9), at(2026, 3, 3, 15)),
        ),
    )
    assert due_at(two) == due_at(one)


def test_an_open_pause_freezes_the_clock() -> None:
    clock = Clock(ACCEPTED, working_days(20), YULIN, pauses=(Pause(at(2026, 3, 2, 9)),))
    assert due_at(clock) is None
    frozen = time_left(clock, at(2026, 3, 10, 10))
    assert frozen.paused and frozen.due is None
    assert frozen.minutes_left == time_left(clock, at(2026, 3, 30, 10)).minutes_left == 14 * 420
    assert next_fire_at(clock, at(2026, 3, 10)) is None
    assert level_at(clock, at(2026, 3, 10)) is None


def test_a_level_reached_before_an_open_pause_stays_reached() -> None:
    clock = Clock(ACCEPTED, working_days(20), YULIN, pauses=(Pause(at(2026, 3, 18, 9)),))
    assert level_due_times(clock) == {Y: at(2026, 3, 17, 17, 30)}
    assert level_at(clock, at(2026, 4, 30)) is Y


# ---------------------------------------------------------------- time left


def test_time_left_counts_working_minutes_and_the_share_used() -> None:
    # By 1 March: 2/14 (make-up Saturday), 2/24–2/27, 2/28 (make-up Saturday) = 6 of 20 days.
    left = time_left(PROMISED, at(2026, 3, 1, 10))
    assert left.minutes_left == 14 * 420  # 7 h a day: 9:00–12:00, 13:30–17:30
    assert left.fraction_used == pytest.approx(0.3)
    assert not left.paused and not left.provisional


def test_time_left_is_negative_when_overdue() -> None:
    left = time_left(PROMISED, at(2026, 3, 20, 10))
    assert left.minutes_left == -60
    assert left.fraction_used > 1


def test_a_deadline_in_a_year_without_a_notice_is_provisional() -> None:
    clock = Clock(at(2026, 12, 15, 10), working_days(20))
    assert time_left(clock, at(2026, 12, 16)).provisional
    assert not time_left(PROMISED, at(2026, 2, 16)).provisional


# ---------------------------------------------------------------- warning policies


def test_yulin_goes_yellow_at_ninety_percent_and_red_past_the_promise() -> None:
    assert level_due_times(PROMISED) == {Y: at(2026, 3, 17, 17, 30), R: at(2026, 3, 19, 17, 30)}
    assert level_at(PROMISED, at(2026, 3, 17, 17, 29)) is None
    assert level_at(PROMISED, at(2026, 3, 18, 9)) is Y
    assert level_at(PROMISED, at(2026, 3, 19, 17, 30)) is R


def test_one_day_warns_one_working_day_before_the_promise() -> None:
    clock = Clock(at(2026, 9, 24, 10), working_days(3), ONE_DAY)
    # Not counted: 9/24 (start), 9/25 (中秋节), the weekend. Counted: 9/28, 9/29, 9/30.
    assert due_at(clock) == at(2026, 9, 30, 17, 30)
    assert level_due_times(clock) == {W: at(2026, 9, 29, 17, 30), R: at(2026, 9, 30, 17, 30)}


def test_vendor_uses_both_the_promised_and_the_legal_clock() -> None:
    legal = Clock(ACCEPTED, working_days(30))
    clock = Clock(ACCEPTED, working_days(20), VENDOR)
    assert level_due_times(clock, legal=legal) == {
        W: at(2026, 3, 17, 17, 30),
        Y: at(2026, 3, 20, 17, 30),
        R: at(2026, 4, 3, 17, 30),
    }
    assert R not in level_due_times(clock)  # no legal clock, no legal threshold


def test_a_threshold_before_the_start_is_due_at_the_start() -> None:
    clock = Clock(at(2026, 9, 30, 10), working_days(1), VENDOR)
    assert level_due_times(clock)[W] == at(2026, 9, 30, 10)


def test_one_working_day_before_a_one_day_promise_is_the_close_of_the_starting_day() -> None:
    clock = Clock(at(2026, 9, 29, 10), working_days(1), ONE_DAY)
    assert level_due_times(clock) == {W: at(2026, 9, 29, 17, 30), R: at(2026, 9, 30, 17, 30)}


def test_presets_are_selectable_by_name() -> None:
    assert WarningPolicy.preset("one_day") == ONE_DAY
    assert {p.value for p in PolicyName} >= {"yulin", "one_day", "vendor"}
    with pytest.raises(ValueError):
        WarningPolicy.preset("nanjing")


def test_a_custom_policy_is_configured_from_plain_data_and_rejects_unknown_keys() -> None:
    policy = WarningPolicy.model_validate(
        {
            "name": "county",
            "thresholds": [
                {"level": "warning", "fraction": 0.5},
                {"level": "yellow", "fraction": 0.8},
                {"level": "red", "anchor": "legal", "minutes": 30},
            ],
        }
    )
    assert policy.thresholds[2].anchor is Anchor.LEGAL
    clock = Clock(ACCEPTED, working_days(20), policy)
    times = level_due_times(clock, legal=Clock(ACCEPTED, working_days(20)))
    assert times[W] == at(2026, 3, 5, 17, 30)  # 10 of 20 working days
    assert times[R] == at(2026, 3, 20, 9, 30)
    with pytest.raises(ValidationError):
        Threshold.model_validate({"level": "red", "percent": 90})


def test_an_engine_that_wakes_at_next_fire_at_sees_every_level_in_order() -> None:
    legal = Clock(ACCEPTED, working_days(30))
    clock = Clock(ACCEPTED, working_days(20), VENDOR)
    now, seen = ACCEPTED, []
    while (wake := next_fire_at(clock, now, legal=legal)) is not None:
        assert wake > now
        now = wake
        seen.append(level_at(clock, now, legal=legal))
    assert seen == [W, Y, R]
    final = assess(clock, now, legal=legal)
    assert (final.level, final.next_fire_at, final.due) == (R, None, at(2026, 3, 19, 17, 30))


# ---------------------------------------------------------------- properties

UNIT_AMOUNTS = {
    BudgetUnit.WORKING_DAYS: 40,
    BudgetUnit.CALENDAR_DAYS: 60,
    BudgetUnit.WORKING_MINUTES: 3000,
    BudgetUnit.MINUTES: 20000,
}
starts = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2026, 9, 30)).map(
    lambda d: d.replace(tzinfo=SHANGHAI)
)
budgets = st.sampled_from(list(BudgetUnit)).flatmap(
    lambda unit: st.builds(Budget, st.integers(0, UNIT_AMOUNTS[unit]), st.just(unit))
)
pause_spans = st.tuples(
    st.integers(min_value=-3 * 24 * 60, max_value=60 * 24 * 60),  # start, minutes after the start
    st.integers(min_value=0, max_value=10 * 24 * 60),  # length in minutes
)


def _pause(start: datetime, span: tuple[int, int]) -> Pause:
    begin = start + timedelta(minutes=span[0])
    return Pause(begin, begin + timedelta(minutes=span[1]))


@settings(max_examples=200, deadline=None)
@given(start=starts, budget=budgets, spans=st.lists(pause_spans, max_size=3), extra=pause_spans)
def test_a_pause_never_moves_the_deadline_earlier(
    start: datetime, budget: Budget, spans: list[tuple[int, int]], extra: tuple[int, int]
) -> None:
    pauses = tuple(_pause(start, s) for s in spans)
    before = due_at(Clock(start, budget, pauses=pauses))
    after = due_at(Clock(start, budget, pauses=(*pauses, _pause(start, extra))))
    assert before is not None and after is not None
    assert after >= before


@settings(max_examples=200, deadline=None)
@given(start=starts, budget=budgets, offset=st.integers(-3 * 24 * 60, 60 * 24 * 60))
def test_a_zero_length_pause_changes_nothing(start: datetime, budget: Budget, offset: int) -> None:
    instant = start + timedelta(minutes=offset)
    plain = Clock(start, budget, YULIN)
    paused = Clock(start, budget, YULIN, pauses=(Pause(instant, instant),))
    assert due_at(paused) == due_at(plain)
    assert level_due_times(paused) == level_due_times(plain)


@settings(max_examples=150, deadline=None)
@given(start=starts, n=st.integers(1, 40))
def test_a_working_day_deadline_is_the_close_of_a_working_day(start: datetime, n: int) -> None:
    due = due_at(Clock(start, working_days(n)))
    assert due is not None
    assert CAL.is_working_day(due.date()) and due.time() == time(17, 30)
    assert due.date() == CAL.add_working_days(start.date(), n)


@settings(max_examples=100, deadline=None)
@given(
    start=starts,
    budget=budgets,
    spans=st.lists(pause_spans, max_size=2),
    policy=st.sampled_from([YULIN, ONE_DAY, VENDOR]),
    steps=st.lists(st.integers(0, 5 * 24 * 60), min_size=2, max_size=12),
)
def test_the_level_never_goes_down_as_time_passes(
    start: datetime,
    budget: Budget,
    spans: list[tuple[int, int]],
    policy: WarningPolicy,
    steps: list[int],
) -> None:
    pauses = tuple(_pause(start, s) for s in spans)
    clock = Clock(start, budget, policy, pauses=pauses)
    legal = Clock(start, Budget(budget.amount * 2, budget.unit), pauses=pauses)
    order = {None: -1, W: 0, Y: 1, R: 2}
    now, last = start - timedelta(days=1), -1
    for step in steps:
        now += timedelta(minutes=step)
        rank = order[level_at(clock, now, legal=legal)]
        assert rank >= last
        last = rank


@settings(max_examples=150, deadline=None)
@given(
    start=starts,
    budget=budgets,
    spans=st.lists(pause_spans, max_size=2),
    later=st.integers(0, 90 * 24 * 60),
)
def test_time_used_plus_time_left_is_the_budget_and_hits_zero_at_the_due_time(
    start: datetime, budget: Budget, spans: list[tuple[int, int]], later: int
) -> None:
    clock = Clock(start, budget, pauses=tuple(_pause(start, s) for s in spans))
    due = due_at(clock)
    assert due is not None
    assert time_left(clock, due).minutes_left == 0
    now = start + timedelta(minutes=later)
    left = time_left(clock, now)
    assert (left.minutes_left <= 0) == (now >= due)
