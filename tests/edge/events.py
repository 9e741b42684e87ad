"""Valid case events for transport tests: each case goes applied → accepted → step started →
step completed → completed, and the cases interleave, so order per case is something to check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from core.events import event_uuid, parse_event

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai, a Monday


def _steps(matter: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "case.applied",
            {"matter_code": matter, "case_type": "promised", "applicant_name": "测试申请人"},
        ),
        ("case.accepted", {"matter_code": matter, "case_type": "promised", "promised_days": 6}),
        ("case.step_started", {"step": "undertake"}),
        ("case.step_completed", {"step": "undertake"}),
        ("case.completed", {"result": "issued"}),
    ]


def case_stream(
    cases: int,
    *,
    region: str = "610802",
    center: str = "YY-ZW",
    tag: str = "t",
    start: datetime = T0,
) -> Iterator[dict[str, Any]]:
    """`cases` × 5 events, the cases interleaved in groups of ten (each group's first steps,
    then their second steps, …)."""
    department = f"{center}-SCJG"
    matter = f"{center}-M001"
    for group in range(0, cases, 10):
        members = range(group, min(group + 10, cases))
        for k, (kind, payload) in enumerate(_steps(matter)):
            for i in members:
                case_no = f"{center}-{tag}-{i:05d}"
                at = start + timedelta(minutes=i, seconds=k * 7)
                event = {
                    "event_id": str(event_uuid("test", tag, case_no, kind)),
                    "kind": kind,
                    "occurred_at": at.isoformat(),
                    "source": "test.approval",
                    "region_code": region,
                    "center_code": center,
                    "department_code": department,
                    "case_no": case_no,
                    "payload": payload,
                }
                parse_event(event)  # the generator only makes valid events
                yield event


def order_by_case(events: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """case_no -> event ids in the order given."""
    out: dict[str, list[str]] = defaultdict(list)
    for e in events:
        out[e["case_no"]].append(e["event_id"])
    return dict(out)
