"""Events as JSON-ready dicts in the exact envelope order, with deterministic ids
(`core.events.event_uuid` over source, centre, kind, subject and instant)."""

from __future__ import annotations

from typing import Any

from core.enums import EventKind
from core.events import event_uuid
from core.reference import Hall
from sim.clock import iso

# (instant, sequence, event): the sequence keeps equal instants in generation order
Timed = tuple[int, int, dict[str, Any]]

SOURCES = {
    "case": "sim.approval",
    "fee": "sim.payment",
    "rating": "sim.rating-pad",
    "complaint": "sim.12345",
    "queue": "sim.queue",
    "attendance": "sim.attendance",
    "presence": "sim.video",
    "camera": "sim.video",
}


class Emitter:
    """Collects the events of one centre; `emit` builds one envelope."""

    def __init__(self, hall: Hall, out: list[Timed] | None = None) -> None:
        self.region_code = hall.center.region_code
        self.center_code = hall.center.code
        self.out: list[Timed] = [] if out is None else out
        self._seq = 0

    def emit(
        self,
        kind: EventKind,
        t: int,
        subject: str,
        payload: dict[str, Any],
        *,
        department: str | None = None,
        window: str | None = None,
        case_no: str | None = None,
        staff: str | None = None,
    ) -> None:
        source = SOURCES[kind.value.split(".", 1)[0]]
        event = {
            "event_id": str(event_uuid(source, self.center_code, kind.value, subject, t)),
            "kind": kind.value,
            "occurred_at": iso(t),
            "source": source,
            "region_code": self.region_code,
            "center_code": self.center_code,
            "department_code": department,
            "window_code": window,
            "case_no": case_no,
            "staff_id": staff,
            "payload": payload,
        }
        self._seq += 1
        self.out.append((t, self._seq, event))
