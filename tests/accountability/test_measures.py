from datetime import date

import pytest

from accountability.measures import (
    Consequence,
    Measure,
    PastMeasure,
    suggest,
    warning_consequences,
)
from core.enums import AlertLevel

TODAY = date(2026, 10, 14)


def past(measure: Measure, day: date = date(2026, 3, 1), revoked: bool = False) -> PastMeasure:
    return PastMeasure(measure, day, revoked)


def test_a_subject_without_history_gets_a_reminder():
    s = suggest([], TODAY)
    assert s.measure is Measure.REMINDER
    assert s.warnings_this_year == 0
    assert "本年度无问责记录" in s.reason


def test_the_suggestion_climbs_one_rung_above_the_worst_measure_this_year():
    assert suggest([past(Measure.REMINDER)], TODAY).measure is Measure.TALK
    history = [past(Measure.CRITICISM), past(Measure.REMINDER)]
    assert suggest(history, TODAY).measure is Measure.ADMONITION


def test_measures_of_earlier_years_do_not_count():
    history = [past(Measure.ADMONITION, date(2025, 12, 31))]
    assert suggest(history, TODAY).measure is Measure.REMINDER


def test_revoked_measures_do_not_count():
    assert suggest([past(Measure.TALK, revoked=True)], TODAY).measure is Measure.REMINDER


def test_a_red_alert_calls_for_at_least_a_talk():
    s = suggest([], TODAY, AlertLevel.RED)
    assert s.measure is Measure.TALK
    assert "红牌" in s.reason


def test_the_first_efficiency_warning_brings_self_criticism_and_no_awards():
    s = suggest([past(Measure.ADMONITION)], TODAY)
    assert s.measure is Measure.WARNING
    assert s.consequences == (Consequence.SELF_CRITICISM, Consequence.NO_AWARDS)
    assert "第1次效能告诫" in s.reason


def test_efficiency_warnings_repeat_and_weigh_more_until_the_third():
    history = [past(Measure.WARNING)]
    second = suggest(history, TODAY)
    assert second.measure is Measure.WARNING
    assert Consequence.NO_BONUS in second.consequences
    third = suggest([*history, past(Measure.WARNING)], TODAY)
    assert third.measure is Measure.WARNING
    assert {Consequence.SUSPENSION, Consequence.LEADERS_ACCOUNTABLE} <= set(third.consequences)


def test_after_three_efficiency_warnings_the_case_goes_to_discipline_inspection():
    history = [past(Measure.WARNING)] * 3
    s = suggest(history, TODAY)
    assert s.measure is Measure.REFERRAL
    assert s.warnings_this_year == 3


def test_windows_and_departments_climb_to_points_not_to_warnings():
    history = [past(Measure.CRITICISM)]
    assert suggest(history, TODAY, person=False).measure is Measure.POINTS
    assert suggest([past(Measure.POINTS)], TODAY, person=False).measure is Measure.POINTS


def test_warning_consequences_need_a_positive_count():
    with pytest.raises(ValueError):
        warning_consequences(0)
