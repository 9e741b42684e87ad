"""Valid events of the small hall (tests/fix_people.py), as JSON-ready dicts."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

from core.events import event_uuid

CST = timezone(timedelta(hours=8))
REGION, CENTER = "610802", "YY-ZW"
DEPT, WINDOW, STAFF = "YY-ZW-SCJG", "YY-ZW-W01", "YY-ZW-W01-A"
PROMISED_MATTER, INSTANT_MATTER = "YY-ZW-M001", "YY-ZW-M002"
_seq = itertools.count()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A local instant in September 2025 (the 15th is a Monday)."""
    return datetime(2025, 9, day, hour, minute, tzinfo=CST)


def event(kind: str, when: datetime, payload: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    base = {
        "event_id": str(event_uuid("test", kind, when.isoformat(), next(_seq))),
        "kind": kind,
        "occurred_at": when.isoformat(),
        "source": "test.approval",
        "region_code": REGION,
        "center_code": CENTER,
        "department_code": DEPT,
        "window_code": WINDOW,
        "staff_id": STAFF,
        "payload": payload,
    }
    base.update(envelope)
    return {k: v for k, v in base.items() if v is not None}


def applied(case_no: str, when: datetime, applicant: str = "张三") -> dict[str, Any]:
    payload = {"matter_code": PROMISED_MATTER, "case_type": "promised", "applicant_name": applicant}
    return event("case.applied", when, payload, case_no=case_no)


def accepted(case_no: str, when: datetime, promised: int = 6, legal: int = 20) -> dict[str, Any]:
    payload = {
        "matter_code": PROMISED_MATTER,
        "case_type": "promised",
        "promised_days": promised,
        "legal_days": legal,
    }
    return event("case.accepted", when, payload, case_no=case_no)


def completed(case_no: str, when: datetime, result: str = "issued") -> dict[str, Any]:
    return event("case.completed", when, {"result": result}, case_no=case_no)


def special(case_no: str, when: datetime, started: bool) -> dict[str, Any]:
    kind = "case.special_procedure_" + ("started" if started else "ended")
    return event(kind, when, {"procedure": "expert_review"}, case_no=case_no)


def extended(case_no: str, when: datetime, days: int = 10) -> dict[str, Any]:
    payload = {"days": days, "approved_by": "分管领导", "reason": "需现场核查"}
    return event("case.extended", when, payload, case_no=case_no)


def supplement(case_no: str, when: datetime, requested: bool) -> dict[str, Any]:
    if requested:
        return event(
            "case.supplement_requested", when, {"materials": ["营业执照"]}, case_no=case_no
        )
    return event("case.supplement_received", when, {"complete": True}, case_no=case_no)


def rating(case_no: str, when: datetime, score: int = 1) -> dict[str, Any]:
    return event("rating.submitted", when, {"score": score}, case_no=case_no)


def ticket(kind: str, when: datetime, ticket_no: str = "A001") -> dict[str, Any]:
    return event(f"queue.ticket_{kind}", when, {"ticket_no": ticket_no})


def clock(kind: str, when: datetime, staff: str = STAFF) -> dict[str, Any]:
    return event(f"attendance.clock_{kind}", when, {"method": "face"}, staff_id=staff)


def complaint(kind: str, when: datetime, number: str = "TS1") -> dict[str, Any]:
    payload: dict[str, Any] = {"complaint_no": number}
    if kind == "filed":
        payload |= {"channel": "12345", "category": "服务态度"}
    return event(f"complaint.{kind}", when, payload, window_code=None, staff_id=None)


def case_life(case_no: str, day: int = 15) -> list[dict[str, Any]]:
    """A 承诺件 applied, accepted and completed on time."""
    return [
        applied(case_no, at(day, 9)),
        accepted(case_no, at(day, 9, 20)),
        completed(case_no, at(day + 2, 15)),
    ]
