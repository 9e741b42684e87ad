"""Pure folds of a subject's events into its projection (ARCHITECTURE.md → Events: the state
is a projection that can be rebuilt from the events).

`fold_case(state, events)` applies events, in (occurred_at, id) order, to a case's state (None:
from nothing); folding all of a case's events from None gives the same row as folding them in
any number of in-order steps, which is what the projector relies on when it folds each batch on
top of the stored row and rebuilds from all events when one arrives out of order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.enums import CaseStatus, EventKind
from store.repos.cases import CaseRow, ComplaintRow, Extension, PauseSpan
from store.repos.events import EventRow

SPECIAL = "special_procedure"
SUPPLEMENT = "supplement"

CASE_KINDS = frozenset(k.value for k in EventKind if k.value.startswith("case.")) | {
    EventKind.FEE_CHARGED.value,
    EventKind.RATING_SUBMITTED.value,
}
COMPLAINT_KINDS = frozenset(k.value for k in EventKind if k.value.startswith("complaint."))


def order(e: EventRow) -> tuple[datetime, int]:
    return (e.occurred_at, e.id)


# ---------------------------------------------------------------- cases


def derive_status(c: CaseRow) -> CaseStatus:
    """The status of a case, first matching rule wins."""
    if c.refused_at is not None and c.completed_at is None:
        return CaseStatus.REFUSED  # 不予受理 ends the case
    if c.completed_at is not None:
        return CaseStatus.COMPLETED  # 办结, whatever came after
    if any(p.kind == SPECIAL and p.end is None for p in c.pauses):
        return CaseStatus.SUSPENDED  # an open 特别程序
    if c.supplement_open_at is not None:
        return CaseStatus.SUPPLEMENT  # waiting for 补正 materials
    if c.accepted_at is not None:
        return CaseStatus.ACCEPTED  # 受理, 办理中
    return CaseStatus.APPLIED


def fold_case(state: CaseRow | None, events: Iterable[EventRow]) -> CaseRow | None:
    evs = sorted(events, key=order)
    if not evs:
        return state
    c = (
        copy.copy(state)
        if state is not None
        else CaseRow(
            case_no=str(evs[0].case_no),
            region_code=evs[0].region_code,
            center_code=evs[0].center_code,
        )
    )
    for e in evs:
        _envelope(c, e)
        handler = _CASE_HANDLERS.get(e.kind)
        if handler is not None:
            handler(c, e.occurred_at, e.payload)
    c.status = derive_status(c).value
    return c


def _envelope(c: CaseRow, e: EventRow) -> None:
    c.event_count += 1
    if c.first_event_at is None or e.occurred_at < c.first_event_at:
        c.first_event_at = e.occurred_at
    if c.last_event_at is None or e.occurred_at >= c.last_event_at:
        c.last_event_at = e.occurred_at
    c.region_code, c.center_code = e.region_code, e.center_code
    if e.department_code is not None:
        c.department_code = e.department_code
    if e.window_code is not None:
        c.window_code = e.window_code
    if e.staff_id is not None:
        c.staff_id = e.staff_id


def _applied(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.applied_at is None:
        c.applied_at = t
    c.matter_code = p.get("matter_code", c.matter_code)
    c.matter_name = p.get("matter_name", c.matter_name)
    c.case_type = c.case_type or p.get("case_type")
    c.applicant_name = p.get("applicant_name", c.applicant_name)
    c.applicant_kind = p.get("applicant_kind", c.applicant_kind)
    c.channel = p.get("channel", c.channel)


def _accepted(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.accepted_at is None:
        c.accepted_at = t
    c.matter_code = p.get("matter_code", c.matter_code)
    c.case_type = p.get("case_type", c.case_type)
    c.promised_days = p.get("promised_days", c.promised_days)
    c.legal_days = p.get("legal_days", c.legal_days)
    if p.get("promised_due_at") is not None:
        c.stated_due_at = datetime.fromisoformat(p["promised_due_at"])
    c.supplement_open_at = None  # accepted: the materials are complete


def _refused(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.refused_at is None:
        c.refused_at = t


def _supplement_requested(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    c.supplement_count += 1
    if c.first_supplement_at is None:
        c.first_supplement_at = t
    c.supplement_open_at = t
    if c.accepted_at is not None and c.completed_at is None:
        c.pauses = (*c.pauses, PauseSpan(SUPPLEMENT, t))  # 补正 after acceptance stops the clock


def _supplement_received(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    c.supplement_open_at = None
    c.pauses = _close(c.pauses, t, lambda s: s.kind == SUPPLEMENT)


def _special_started(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.completed_at is None:
        c.pauses = (*c.pauses, PauseSpan(SPECIAL, t, None, p.get("procedure")))


def _special_ended(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    procedure = p.get("procedure")
    same = _close(c.pauses, t, lambda s: s.kind == SPECIAL and s.procedure == procedure)
    c.pauses = same if same != c.pauses else _close(c.pauses, t, lambda s: s.kind == SPECIAL)


def _close(
    pauses: tuple[PauseSpan, ...], t: datetime, match: Callable[[PauseSpan], bool]
) -> tuple[PauseSpan, ...]:
    """End the earliest open pause that matches (and started by `t`)."""
    for i, s in enumerate(pauses):
        if s.end is None and s.start <= t and match(s):
            return (*pauses[:i], replace(s, end=t), *pauses[i + 1 :])
    return pauses


def _extended(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    c.extensions = (*c.extensions, Extension(t, int(p.get("days", 10)), p.get("approved_by")))


def _completed(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.completed_at is None:
        c.completed_at = t
        c.result = p.get("result")


def _delivered(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    if c.delivered_at is None:
        c.delivered_at = t


def _fee(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    c.fee_total = (c.fee_total or Decimal(0)) + Decimal(str(p.get("amount", 0)))


def _rating(c: CaseRow, t: datetime, p: dict[str, Any]) -> None:
    c.rating = p.get("score", c.rating)


_CASE_HANDLERS: dict[str, Callable[[CaseRow, datetime, dict[str, Any]], None]] = {
    EventKind.CASE_APPLIED: _applied,
    EventKind.CASE_ACCEPTED: _accepted,
    EventKind.CASE_REFUSED: _refused,
    EventKind.CASE_SUPPLEMENT_REQUESTED: _supplement_requested,
    EventKind.CASE_SUPPLEMENT_RECEIVED: _supplement_received,
    EventKind.CASE_SPECIAL_PROCEDURE_STARTED: _special_started,
    EventKind.CASE_SPECIAL_PROCEDURE_ENDED: _special_ended,
    EventKind.CASE_EXTENDED: _extended,
    EventKind.CASE_COMPLETED: _completed,
    EventKind.CASE_DELIVERED: _delivered,
    EventKind.FEE_CHARGED: _fee,
    EventKind.RATING_SUBMITTED: _rating,
}


# ---------------------------------------------------------------- complaints


def complaint_no(e: EventRow) -> str | None:
    value = e.payload.get("complaint_no")
    return value if isinstance(value, str) else None


def fold_complaint(state: ComplaintRow | None, events: Iterable[EventRow]) -> ComplaintRow | None:
    evs = sorted(events, key=order)
    if not evs:
        return state
    first = evs[0]
    c = (
        copy.copy(state)
        if state is not None
        else ComplaintRow(
            complaint_no=str(complaint_no(first)),
            region_code=first.region_code,
            center_code=first.center_code,
        )
    )
    for e in evs:
        c.event_count += 1
        if c.first_event_at is None or e.occurred_at < c.first_event_at:
            c.first_event_at = e.occurred_at
        if c.last_event_at is None or e.occurred_at >= c.last_event_at:
            c.last_event_at = e.occurred_at
        c.department_code = e.department_code or c.department_code
        p = e.payload
        if e.kind == EventKind.COMPLAINT_FILED:
            c.filed_at = c.filed_at or e.occurred_at
            c.channel, c.category = p.get("channel"), p.get("category")
            c.summary = p.get("summary", c.summary)
        elif e.kind == EventKind.COMPLAINT_ACCEPTED:
            c.accepted_at = c.accepted_at or e.occurred_at
        elif e.kind == EventKind.COMPLAINT_RESOLVED:
            c.resolved_at = c.resolved_at or e.occurred_at
            c.substantiated, c.satisfied = p.get("substantiated"), p.get("satisfied")
    c.status = "resolved" if c.resolved_at else "accepted" if c.accepted_at else "filed"
    return c
