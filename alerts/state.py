"""The state the rules look at, as small typed values, and pure builders that derive it from
events (events are the truth: the engine and the replay both rebuild a subject from its events
with these functions, so they cannot disagree).

Conventions that matter for deadlines (行政许可法 §45, §42; DOMAIN.md):
* 特别程序 (and 补正 after acceptance) pause a case's clocks in whole working days: a pause that
  starts on day S and ends on day E removes the working days [S, E) from the count, so the due
  date moves by exactly the working days the pause covered, as the law counts days.
* An extension (延期) adds its working days to both the promised and the legal clock, from the
  moment it is granted: a level already reached before the extension stays reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from alerts.findings import Place, Rule
from core.calendar import WorkingCalendar
from core.clocks import Budget, BudgetUnit, Clock, Pause, PolicyName, WarningPolicy
from core.enums import CameraStatus, CaseType, EventKind
from core.reference import Schedule


@dataclass(frozen=True, slots=True)
class CaseEvent:
    kind: EventKind
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MatterInfo:
    code: str
    case_type: CaseType
    promised_days: int
    legal_days: int
    fee: Decimal | None  # None: a free matter


@dataclass(frozen=True, slots=True)
class CaseTimeline:
    case_no: str
    place: Place
    events: tuple[CaseEvent, ...]  # sorted by time

    def times(self, kind: EventKind) -> list[datetime]:
        return [e.at for e in self.events if e.kind == kind]

    def first(self, kind: EventKind) -> CaseEvent | None:
        return next((e for e in self.events if e.kind == kind), None)


@dataclass(frozen=True, slots=True)
class ClockState:
    """One running (or stopped) duty clock: `clock` without extensions, the extensions with the
    instant each was granted, and for a case's promised clock the legal clock beside it."""

    rule: Rule
    subject: str
    place: Place
    clock: Clock
    extensions: tuple[tuple[datetime, int], ...] = ()
    legal: Clock | None = None
    stopped_at: datetime | None = None
    case_no: str | None = None


@dataclass(frozen=True, slots=True)
class WindowState:
    window_code: str
    place: Place
    schedule: Schedule
    occupied: bool | None = None  # None: no presence observed yet
    empty_since: datetime | None = None  # first empty observation of the current absence
    camera_status: CameraStatus = CameraStatus.OK
    camera_since: datetime | None = None
    waiting: int = 0  # people in the queue for this window (or its department)


@dataclass(frozen=True, slots=True)
class FeeCharge:
    case_no: str
    place: Place
    at: datetime
    amount: Decimal
    matter: MatterInfo | None
    receipt_no: str | None = None


@dataclass(frozen=True, slots=True)
class Ticket:
    key: str  # centre / issue date / ticket number
    ticket_no: str
    place: Place  # window_code set when the ticket is for one window
    issued_at: datetime
    called_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedState:
    source: str
    place: Place
    last_event_at: datetime


# ---------------------------------------------------------------- builders


def _at(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def event_place(event: Mapping[str, Any]) -> Place:
    return Place(
        region_code=str(event["region_code"]),
        center_code=str(event["center_code"]),
        department_code=event.get("department_code"),
        window_code=event.get("window_code"),
    )


def case_timeline(case_no: str, events: Iterable[Mapping[str, Any]]) -> CaseTimeline | None:
    """A case's timeline from its events (rows of `events` or JSON envelopes), in time order;
    None if there are none."""
    rows = sorted(events, key=lambda e: _at(e["occurred_at"]))
    if not rows:
        return None
    first = next((r for r in rows if r.get("department_code")), rows[0])
    place = event_place(first)
    out = tuple(
        CaseEvent(EventKind(r["kind"]), _at(r["occurred_at"]), r.get("payload") or {}) for r in rows
    )
    return CaseTimeline(case_no, place, out)


def matter_of(timeline: CaseTimeline, matters: Mapping[str, MatterInfo]) -> MatterInfo | None:
    """The catalogue entry of the case's matter, with the limits given at acceptance (if any)
    taking precedence over the catalogue."""
    code = None
    for e in timeline.events:
        code = e.payload.get("matter_code", code)
    if code is None:
        return None
    info = matters.get(str(code))
    accepted = timeline.first(EventKind.CASE_ACCEPTED)
    if accepted is None:
        return info
    p = accepted.payload
    case_type = CaseType(p.get("case_type", info.case_type if info else CaseType.PROMISED))
    promised = p.get("promised_days")
    legal = p.get("legal_days")
    return MatterInfo(
        code=str(code),
        case_type=case_type,
        promised_days=int(
            promised if promised is not None else (info.promised_days if info else 0)
        ),
        legal_days=int(legal if legal is not None else (info.legal_days if info else 0)),
        fee=info.fee if info else None,
    )


def case_pauses(
    timeline: CaseTimeline, calendar: WorkingCalendar, schedule: Schedule
) -> tuple[Pause, ...]:
    """特别程序 and 补正 after acceptance, as whole-working-day pauses [opening of S, opening
    of E)."""
    accepted = timeline.first(EventKind.CASE_ACCEPTED)
    pairs = (
        (EventKind.CASE_SPECIAL_PROCEDURE_STARTED, EventKind.CASE_SPECIAL_PROCEDURE_ENDED),
        (EventKind.CASE_SUPPLEMENT_REQUESTED, EventKind.CASE_SUPPLEMENT_RECEIVED),
    )
    out: list[Pause] = []
    tz = schedule.timezone
    for begin, end in pairs:
        starts = [t for t in timeline.times(begin) if accepted is not None and t >= accepted.at]
        ends = timeline.times(end)
        for start in starts:
            stop = next((t for t in ends if t >= start), None)
            s = calendar.opening_time(start.astimezone(ZoneInfo(tz)).date(), schedule)
            e = None
            if stop is not None:
                e = max(s, calendar.opening_time(stop.astimezone(ZoneInfo(tz)).date(), schedule))
            out.append(Pause(s, e))
    return tuple(sorted(out, key=lambda p: p.start))


SUPPLEMENT_NOTICE_DAYS = 5  # 行政许可法 §32


def notice_clock(timeline: CaseTimeline, days: int = SUPPLEMENT_NOTICE_DAYS) -> ClockState | None:
    """§32: incomplete materials must be told within 5 working days of the application. The
    duty stops at the first 补正 notice, the acceptance or the refusal; missing it is red."""
    applied = timeline.first(EventKind.CASE_APPLIED)
    if applied is None:
        return None
    stops = [
        e.at
        for e in timeline.events
        if e.kind
        in (EventKind.CASE_SUPPLEMENT_REQUESTED, EventKind.CASE_ACCEPTED, EventKind.CASE_REFUSED)
    ]
    clock = Clock(
        applied.at,
        Budget(days, BudgetUnit.WORKING_DAYS),
        policy=WarningPolicy.preset(PolicyName.DEADLINE),
    )
    return ClockState(
        rule=Rule.LATE_SUPPLEMENT,
        subject=timeline.case_no,
        place=timeline.place,
        clock=clock,
        stopped_at=min(stops, default=None),
        case_no=timeline.case_no,
    )


def case_clocks(
    timeline: CaseTimeline,
    matter: MatterInfo,
    policy: WarningPolicy,
    calendar: WorkingCalendar,
    schedule: Schedule,
) -> tuple[ClockState, ClockState] | None:
    """The promised and legal clocks of an accepted 承诺件 (None: instant or not accepted)."""
    accepted = timeline.first(EventKind.CASE_ACCEPTED)
    if accepted is None or matter.legal_days == 0 or matter.case_type == CaseType.INSTANT:
        return None
    pauses = case_pauses(timeline, calendar, schedule)
    extensions = tuple(
        (e.at, int(e.payload.get("days", 10)))
        for e in timeline.events
        if e.kind == EventKind.CASE_EXTENDED
    )
    done = timeline.first(EventKind.CASE_COMPLETED)
    stopped = done.at if done else None
    legal = Clock(accepted.at, Budget(matter.legal_days, BudgetUnit.WORKING_DAYS), pauses=pauses)
    promised = Clock(
        accepted.at,
        Budget(matter.promised_days, BudgetUnit.WORKING_DAYS),
        policy=policy,
        pauses=pauses,
    )

    def state(rule: Rule, clock: Clock, legal_clock: Clock | None) -> ClockState:
        return ClockState(
            rule=rule,
            subject=timeline.case_no,
            place=timeline.place,
            clock=clock,
            extensions=extensions,
            legal=legal_clock,
            stopped_at=stopped,
            case_no=timeline.case_no,
        )

    deadline = WarningPolicy.preset(PolicyName.DEADLINE)
    legal_only = Clock(legal.start, legal.budget, policy=deadline, pauses=pauses)
    return state(Rule.CASE_PROMISED, promised, legal), state(Rule.CASE_LEGAL, legal_only, None)
