"""The ground truth agrees with the events and with the presence it claims, recomputed here
independently from the events, the hall and the official calendar."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from sim.clock import CST
from sim.truth import TruthKind

ALL_KINDS = {k.value for k in TruthKind}


def _t(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


@pytest.fixture(scope="module")
def cases(dataset):
    """case_no -> kind -> [events] from the event stream."""
    out = defaultdict(lambda: defaultdict(list))
    for e in dataset.events:
        if e["case_no"]:
            out[e["case_no"]][e["kind"]].append(e)
    return out


@pytest.fixture(scope="module")
def truth_items(dataset):
    by_kind = defaultdict(list)
    for item in dataset.truth["violations"]:
        by_kind[item["kind"]].append(item)
    return by_kind


def _cob(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), CST).replace(hour=17, minute=30)


def _deadlines(case, calendar) -> tuple[datetime, datetime] | None:
    """Promised and legal due instants from the case's own events (pauses, extensions)."""
    (acc,) = case["case.accepted"]
    p = acc["payload"]
    if p["case_type"] != "promised":
        return None
    day = _t(acc["occurred_at"]).date()
    extra = sum(e["payload"]["days"] for e in case["case.extended"])
    for s, e in zip(
        case["case.special_procedure_started"], case["case.special_procedure_ended"], strict=True
    ):
        extra += calendar.working_days_between(
            _t(s["occurred_at"]).date(), _t(e["occurred_at"]).date()
        )
    return (
        _cob(calendar.add_working_days(day, p["promised_days"] + extra)),
        _cob(calendar.add_working_days(day, p["legal_days"] + extra)),
    )


def test_every_truth_kind_is_planted_in_ten_days(truth_items):
    assert set(truth_items) == ALL_KINDS


@pytest.mark.parametrize("kind,which", [("case_overdue_promised", 0), ("case_overdue_legal", 1)])
def test_overdue_truth_is_exactly_the_cases_completed_after_their_deadline(
    dataset, cases, calendar, truth_items, kind, which
):
    truth = {i["case_no"]: i for i in truth_items[kind]}
    late = {}
    for no, case in cases.items():
        if not case["case.accepted"] or not case["case.completed"]:
            continue
        due = _deadlines(case, calendar)
        done = _t(case["case.completed"][0]["occurred_at"])
        if due and done > due[which]:
            late[no] = (due[which], done)
    assert set(truth) == set(late)
    for no, (due, done) in late.items():
        assert (_t(truth[no]["start"]), _t(truth[no]["end"])) == (due, done)


def test_warning_levels_follow_the_documented_presets(cases, calendar, truth_items):
    reached = Counter(
        (i["detail"]["preset"], i["detail"]["level"]) for i in truth_items["case_warning"]
    )
    assert set(reached) == {
        ("vendor", "warning"),
        ("vendor", "yellow"),
        ("vendor", "red"),
        ("one_day", "warning"),
        ("one_day", "red"),
    }
    for item in truth_items["case_warning"]:
        case = cases[item["case_no"]]
        done = _t(case["case.completed"][0]["occurred_at"])
        assert _t(item["start"]) < done == _t(item["end"])
    red = {
        i["case_no"]
        for i in truth_items["case_warning"]
        if i["detail"] == {"preset": "one_day", "level": "red"}
    }
    assert red == {i["case_no"] for i in truth_items["case_overdue_promised"]}


def _presence(dataset):
    return {w: [(_t(a), _t(b)) for a, b in spans] for w, spans in dataset.truth["presence"].items()}


def _opening(day: date) -> list[tuple[datetime, datetime]]:
    base = datetime.combine(day, datetime.min.time(), CST)
    return [
        (base + timedelta(hours=9), base + timedelta(hours=12)),
        (base + timedelta(hours=13, minutes=30), base + timedelta(hours=17, minutes=30)),
    ]


def _empty_spans(spans, day):
    out = []
    for a, b in _opening(day):
        cur = a
        for s, e in spans:
            if e <= cur or s >= b:
                continue
            if s > cur:
                out.append((cur, s))
            cur = max(cur, e)
        if cur < b:
            out.append((cur, b))
    return out


def test_planted_empty_windows_are_exactly_the_long_gaps_and_short_ones_are_not_planted(
    dataset, calendar, truth_items
):
    presence = _presence(dataset)
    planted = {
        (i["window_code"], _t(i["start"]), _t(i["end"])) for i in truth_items["window_empty"]
    }
    long_gaps, short_gaps = set(), 0
    day = dataset.config.start
    for _ in range(dataset.config.days):
        if calendar.is_working_day(day):
            for window, spans in presence.items():
                for a, b in _empty_spans(spans, day):
                    if b - a >= timedelta(minutes=15):
                        long_gaps.add((window, a, b))
                    else:
                        short_gaps += 1
        day += timedelta(days=1)
    assert planted == long_gaps
    assert short_gaps > 2 * len(planted)  # harmless short absences exist and are not planted
    for window, a, b in planted:
        assert not any(s < b and a < e for s, e in presence[window])


def test_camera_faults_name_the_window_camera_inside_opening_hours(truth_items):
    kinds = [k for k in ALL_KINDS if k.startswith("camera_")]
    for item in (i for k in kinds for i in truth_items[k]):
        assert item["detail"]["camera_code"] == item["window_code"].replace("-W", "-CAM")
        start, end = _t(item["start"]), _t(item["end"])
        assert any(a <= start and end <= b for a, b in _opening(start.date()))


def test_case_level_plants_are_visible_in_the_case_events(dataset, cases, calendar, truth_items):
    for item in truth_items["instant_through"]:
        case = cases[item["case_no"]]
        acc, done = case["case.accepted"][0], case["case.completed"][0]
        assert acc["payload"]["case_type"] == "promised"
        assert (_t(done["occurred_at"]) - _t(acc["occurred_at"])).total_seconds() < 60
    for item in truth_items["second_supplement"]:
        assert len(cases[item["case_no"]]["case.supplement_requested"]) == 2
    for item in truth_items["late_supplement"]:
        case = cases[item["case_no"]]
        applied = _t(case["case.applied"][0]["occurred_at"]).date()
        notice = _t(case["case.supplement_requested"][0]["occurred_at"])
        assert notice > _cob(calendar.add_working_days(applied, 5)) == _t(item["start"])
    fees = {m.code: m.fee for h in dataset.halls for m in h.matters}
    for item in truth_items["fee_off_standard"]:
        case = cases[item["case_no"]]
        matter = case["case.applied"][0]["payload"]["matter_code"]
        assert Decimal(case["fee.charged"][0]["payload"]["amount"]) != fees[matter]
    off = {
        no
        for no, c in cases.items()
        for f in c["fee.charged"]
        if Decimal(f["payload"]["amount"]) != fees[c["case.applied"][0]["payload"]["matter_code"]]
    }
    assert off == {i["case_no"] for i in truth_items["fee_off_standard"]}


def _count(dataset, kind, dept, start, end, keep=lambda e: True):
    return sum(
        1
        for e in dataset.events
        if e["kind"] == kind
        and e["department_code"] == dept
        and start <= _t(e["occurred_at"]) < end
        and keep(e)
    )


def test_spikes_are_three_times_the_baseline_of_one_department_over_two_hours(dataset, truth_items):
    for item in truth_items["complaint_spike"]:
        start, end = _t(item["start"]), _t(item["end"])
        assert end - start == timedelta(hours=2)
        n = _count(dataset, "complaint.filed", item["department_code"], start, end)
        assert n >= item["detail"]["count"] >= max(5, 3 * item["detail"]["baseline_2h"])
    for item in truth_items["bad_rating_spike"]:
        start, end = _t(item["start"]), _t(item["end"])
        n = _count(
            dataset,
            "rating.submitted",
            item["department_code"],
            start,
            end,
            lambda e: e["payload"]["score"] >= 4,
        )
        assert n >= item["detail"]["count"] >= 3 * item["detail"]["baseline_2h"]
        assert item["detail"]["count"] >= 3
