"""Scoring the engine's decisions against the digital twin's ground truth (sim/truth.py):
recall = truth items matched by an alert, precision = alerts (or levels reached) matched by a
truth item, per family. Matching rules, per truth kind:

* case deadlines: the same case, the same level of the same rule, reached within `tol` of the
  truth's start (the level's due instant);
* window empty: the same window, raised between start + threshold − tol and end + tol;
* camera faults: the same window, raised between start and end + tol;
* spikes: the same department (a centre-level alert: any department of the centre), raised
  between the spike's start and its end + the test window;
* fees and process anomalies: the same case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alerts.context import RuleContext
from alerts.findings import Rule
from alerts.replay import Replay, ReplayAlert
from alerts.state import MatterInfo
from core.calendar import official_calendar
from core.reference import Hall

TOL = timedelta(minutes=5)
CAMERA_KINDS = ("camera_offline", "camera_frozen", "camera_covered", "camera_dark", "camera_moved")
BY_CASE = {
    "fee_off_standard": (Rule.FEE_OFF_STANDARD, Rule.FEE_FOR_FREE_MATTER),
    "instant_through": (Rule.OFF_SYSTEM,),
    "second_supplement": (Rule.SECOND_SUPPLEMENT,),
    "late_supplement": (Rule.LATE_SUPPLEMENT,),
}


@dataclass(frozen=True)
class Score:
    family: str
    truth: int
    matched_truth: int
    predicted: int
    matched_predicted: int

    @property
    def recall(self) -> float:
        return self.matched_truth / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.matched_predicted / self.predicted if self.predicted else 1.0

    def line(self) -> str:
        return (
            f"{self.family:28s} recall {self.recall:7.2%} ({self.matched_truth}/{self.truth})"
            f"  precision {self.precision:7.2%} ({self.matched_predicted}/{self.predicted})"
        )


def _t(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _match(
    family: str,
    truth: Sequence[Mapping[str, Any]],
    predicted: Sequence[tuple[str, datetime]],
    key: str,
    lo: timedelta,
    hi: timedelta | None,
) -> Score:
    """Generic matcher: same subject `key` and predicted instant in [start + lo, end + hi]
    (hi None: end + infinity for open items is handled by end None)."""
    by_subject: dict[str, list[datetime]] = {}
    for subject, at in predicted:
        by_subject.setdefault(subject, []).append(at)
    used: set[tuple[str, datetime]] = set()
    hits = 0
    for item in truth:
        start, end = _t(item["start"]), _t(item.get("end"))
        assert start is not None
        upper = None if end is None or hi is None else end + hi
        cands = [
            at
            for at in by_subject.get(str(item[key]), [])
            if at >= start + lo and (upper is None or at <= upper)
        ]
        if cands:
            hits += 1
            used.update((str(item[key]), at) for at in cands)
    return Score(family, len(truth), hits, len(predicted), len(used))


def deadlines(
    truth: Sequence[Mapping[str, Any]], alerts: Iterable[ReplayAlert], preset: str
) -> list[Score]:
    """Levels reached on case clocks vs overdue and warning truth items of `preset`."""
    reached: dict[tuple[Rule, str], list[tuple[str, datetime]]] = {}
    for a in alerts:
        if a.rule in (Rule.CASE_PROMISED, Rule.CASE_LEGAL):
            for level, at in a.levels:
                reached.setdefault((a.rule, level), []).append((a.subject, at))
    out = []
    for level in ("warning", "yellow", "red"):
        items = [
            v
            for v in truth
            if v["kind"] == "case_warning"
            and v["detail"].get("preset") == preset
            and v["detail"].get("level") == level
        ]
        predicted = reached.get((Rule.CASE_PROMISED, level), [])
        if items or predicted:
            out.append(_match(f"{preset} {level}", items, predicted, "case_no", -TOL, TOL))
    if preset in ("one_day", "yulin"):
        items = [v for v in truth if v["kind"] == "case_overdue_promised"]
        predicted = reached.get((Rule.CASE_PROMISED, "red"), [])
        out.append(_match("overdue promised", items, predicted, "case_no", -TOL, TOL))
    items = [v for v in truth if v["kind"] == "case_overdue_legal"]
    predicted = reached.get((Rule.CASE_LEGAL, "red"), [])
    out.append(_match("overdue legal", items, predicted, "case_no", -TOL, TOL))
    return out


def windows(
    truth: Sequence[Mapping[str, Any]], alerts: Iterable[ReplayAlert], threshold_minutes: int
) -> list[Score]:
    alerts = list(alerts)
    empty = [(a.subject, a.raised_at) for a in alerts if a.rule == Rule.WINDOW_EMPTY]
    fault = [(a.subject, a.raised_at) for a in alerts if a.rule == Rule.CAMERA_FAULT]
    lo = timedelta(minutes=threshold_minutes) - TOL
    return [
        _match(
            "window empty",
            [v for v in truth if v["kind"] == "window_empty"],
            empty,
            "window_code",
            lo,
            TOL,
        ),
        _match(
            "camera fault",
            [v for v in truth if v["kind"] in CAMERA_KINDS],
            fault,
            "window_code",
            -TOL,
            TOL,
        ),
    ]


def spikes(
    truth: Sequence[Mapping[str, Any]], alerts: Iterable[ReplayAlert], window: timedelta
) -> list[Score]:
    out = []
    for kind, rule in (
        ("complaint_spike", Rule.COMPLAINT_SPIKE),
        ("bad_rating_spike", Rule.BAD_RATING_SPIKE),
    ):
        items = [v for v in truth if v["kind"] == kind]
        mine = [a for a in alerts if a.rule == rule]
        dept = [(a.subject, a.raised_at) for a in mine if a.place.department_code]
        score = _match(kind.replace("_", " "), items, dept, "department_code", timedelta(0), window)
        centre = [(a.place.center_code, a.raised_at) for a in mine if not a.place.department_code]
        c = _match(kind, items, centre, "center_code", timedelta(0), window)
        out.append(
            Score(
                score.family,
                score.truth,
                score.matched_truth,
                score.predicted + c.predicted,
                score.matched_predicted + c.matched_predicted,
            )
        )
    return out


def by_case(truth: Sequence[Mapping[str, Any]], alerts: Iterable[ReplayAlert]) -> list[Score]:
    alerts = list(alerts)
    out = []
    for kind, rules in BY_CASE.items():
        items = [v for v in truth if v["kind"] == kind]
        predicted = [(a.case_no or "", a.raised_at) for a in alerts if a.rule in rules]
        far = timedelta(days=3650)
        out.append(_match(kind.replace("_", " "), items, predicted, "case_no", -far, far))
    return out


def score_period(
    events: Sequence[Mapping[str, Any]], truth: Mapping[str, Any], hall: Hall
) -> list[Score]:
    """Every family's score for a simulated period (the twin's events, truth and hall): the
    events replayed under the one-day warning preset (and, for the vendor's two-level preset,
    the case events alone), then matched with the truth up to its end."""
    items = truth["violations"]
    end = datetime.fromisoformat(truth["end"])
    one_day = _replay(events, hall, "one_day", end)
    vendor = _replay(events, hall, "vendor", end, kinds=("case.",))
    return [
        *deadlines(items, one_day.alerts, "one_day"),
        *[s for s in deadlines(items, vendor.alerts, "vendor") if s.family.startswith("vendor")],
        *windows(items, one_day.alerts, 15),
        *spikes(items, one_day.alerts, timedelta(hours=2)),
        *by_case(items, one_day.alerts),
    ]


def _replay(
    events: Iterable[Mapping[str, Any]],
    hall: Hall,
    preset: str,
    end: datetime,
    kinds: tuple[str, ...] = (),
) -> Replay:
    matters = {
        m.code: MatterInfo(m.code, m.case_type, m.promised_days, m.legal_days, m.fee)
        for m in hall.matters
    }
    ctx = RuleContext(
        calendar=official_calendar(),
        schedules={hall.center.code: hall.center.schedule},
        presets={("center", hall.center.code, "case.promised_deadline"): preset},
    )
    replay = Replay(ctx, matters)
    replay.run((e for e in events if not kinds or e["kind"].startswith(kinds)), until=end)
    return replay
