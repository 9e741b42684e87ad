"""Ground truth: what was planted (or happened) where and when, and who sat in each seat.

Each item names its kind, the subject (centre, department, window, case) and the interval
[start, end) in which the condition holds; an alert rule is scored by matching its alerts to
items of its kind (recall, precision) and by the delay from `start` (or start + threshold)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sim.clock import iso


class TruthKind(StrEnum):
    OVERDUE_PROMISED = "case_overdue_promised"  # completed (or still open) after 承诺时限
    OVERDUE_LEGAL = "case_overdue_legal"  # after 法定时限
    CASE_WARNING = "case_warning"  # a warning level reached (detail: preset, level)
    WINDOW_EMPTY = "window_empty"  # seat empty ≥ threshold in opening hours
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_FROZEN = "camera_frozen"
    CAMERA_COVERED = "camera_covered"
    CAMERA_DARK = "camera_dark"
    CAMERA_MOVED = "camera_moved"
    COMPLAINT_SPIKE = "complaint_spike"
    BAD_RATING_SPIKE = "bad_rating_spike"
    FEE_OFF_STANDARD = "fee_off_standard"
    INSTANT_THROUGH = "instant_through"  # 承诺件 accepted and completed within a minute
    SECOND_SUPPLEMENT = "second_supplement"  # 补正 asked twice (一次告知 broken)
    LATE_SUPPLEMENT = "late_supplement"  # 补正 notice after 5 working days


DEFINITIONS = {
    "time": "instants are ISO 8601 with +08:00; intervals are [start, end); end null = still "
    "true at the end of the simulated span",
    "deadline": "due(n) = close of business of the n-th working day after the acceptance day "
    "(core.calendar.official_calendar), plus working days paused by 特别程序 and +10 per 延期",
    "case_overdue_promised": "start = due(承诺时限), end = completion",
    "case_overdue_legal": "start = due(法定时限), end = completion",
    "case_warning": "vendor: warning at due(P−2), yellow at due(P+1), red at due(L+1); one_day: "
    "warning at due(P−1), red at due(P); reached when the case is still open at that moment",
    "window_empty": "seat empty inside opening hours for at least the threshold; an alert is "
    "due at start + threshold",
    "camera_*": "camera fault interval; the seat state underneath stays in presence",
    "complaint_spike": "planted complaints for one department in a two-hour window (detail: "
    "count, baseline for two hours)",
    "bad_rating_spike": "planted 差评 (score 4–5) for one department in a two-hour window",
    "fee_off_standard": "start = the fee.charged instant (detail: standard, charged)",
    "instant_through": "start = acceptance, end = completion of a 承诺件 done within 60 s",
    "second_supplement": "start = end = the second case.supplement_requested",
    "late_supplement": "start = due(5) after application, end = the late notice",
    "presence": "per window, intervals when someone sits in the staff seat",
}


@dataclass(slots=True)
class TruthItem:
    kind: TruthKind
    start: int
    end: int | None
    center_code: str
    department_code: str | None = None
    window_code: str | None = None
    case_no: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def clipped(self, until: int | None) -> TruthItem | None:
        """The item as seen at `until` (None: no clipping); None if it had not begun."""
        if until is None:
            return self
        if self.start >= until:
            return None
        end = self.end if self.end is not None and self.end <= until else None
        return TruthItem(
            self.kind,
            self.start,
            end,
            self.center_code,
            self.department_code,
            self.window_code,
            self.case_no,
            self.detail,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "center_code": self.center_code,
            "department_code": self.department_code,
            "window_code": self.window_code,
            "case_no": self.case_no,
            "start": iso(self.start),
            "end": None if self.end is None else iso(self.end),
            "detail": self.detail,
        }

    def sort_key(self) -> tuple[int, str, str, str]:
        return (self.start, self.kind.value, self.window_code or "", self.case_no or "")


def truth_document(
    header: dict[str, Any],
    items: list[TruthItem],
    presence: dict[str, list[tuple[int, int]]],
) -> dict[str, Any]:
    """The JSON-ready truth file: header, definitions, violations, presence."""
    return {
        **header,
        "definitions": DEFINITIONS,
        "violations": [i.as_json() for i in sorted(items, key=TruthItem.sort_key)],
        "presence": {
            w: [[iso(a), iso(b)] for a, b in spans] for w, spans in sorted(presence.items())
        },
    }
