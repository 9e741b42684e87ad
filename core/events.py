"""Event envelope and one payload model per event kind (ARCHITECTURE.md → Events).

Field sets follow GB/T 39046-2020 (政务服务平台基础数据规范): 办件 (办件编号, 办件类型, 申请时间),
受理 (受理时间, 承诺办结时间), 办理 (环节, 特别程序), 办结, 评价 (满意度 1–5, 渠道), 投诉, 支付.

Every model forbids unknown keys, so a typo in a field name is refused with the field named.
`parse_event` turns a JSON object into a typed `Event`; `EventError` lists every problem, each
with a dotted field path and a reason, ready for an HTTP 422 body or a dead letter.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)

from core.enums import (
    AttendanceMethod,
    CameraStatus,
    CaseResult,
    CaseType,
    ComplaintChannel,
    EventKind,
    RatingChannel,
    SpecialProcedure,
    Step,
)

REGION_CODE = r"^\d{6}(\d{3}){0,2}$"  # 行政区划代码: 6 digits, 9 for 乡镇, 12 for 村
CODE = r"^[A-Za-z0-9_.\-]{1,64}$"

# Deterministic event ids: sources without their own id derive one from a stable natural key.
EVENT_NAMESPACE = uuid.UUID("5f8a3c52-8a0e-4f3b-9d1e-6b7c2a4e9f10")


def event_uuid(*parts: object) -> uuid.UUID:
    """A stable event id from a natural key (e.g. source, case number, kind, sequence)."""
    return uuid.uuid5(EVENT_NAMESPACE, "|".join(str(p) for p in parts))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---------------------------------------------------------------- payloads


class CaseAppliedPayload(_Strict):
    matter_code: str = Field(pattern=CODE, description="事项实施编码")
    matter_name: str | None = Field(default=None, max_length=200)
    case_type: CaseType = Field(description="办件类型")
    applicant_name: str = Field(min_length=1, max_length=200, description="申请人")
    applicant_kind: Literal["person", "organisation"] = "person"
    channel: Literal["window", "online", "mobile", "self_service"] = "window"


class CaseAcceptedPayload(_Strict):
    matter_code: str = Field(pattern=CODE)
    case_type: CaseType
    promised_days: int | None = Field(default=None, ge=0, le=365, description="承诺时限(工作日)")
    legal_days: int | None = Field(default=None, ge=0, le=365, description="法定时限(工作日)")
    promised_due_at: AwareDatetime | None = Field(default=None, description="承诺办结时间")


class CaseRefusedPayload(_Strict):
    reason: str = Field(min_length=1, max_length=500)


class CaseSupplementRequestedPayload(_Strict):
    materials: list[str] = Field(min_length=1, max_length=50, description="需补正材料")
    notice_no: str | None = Field(default=None, max_length=64)


class CaseSupplementReceivedPayload(_Strict):
    complete: bool = True


class CaseStepPayload(_Strict):
    step: Step
    handler: str | None = Field(default=None, max_length=64)
    opinion: str | None = Field(default=None, max_length=500)


class CaseSpecialProcedurePayload(_Strict):
    procedure: SpecialProcedure
    reason: str | None = Field(default=None, max_length=500)


class CaseExtendedPayload(_Strict):
    days: int = Field(default=10, ge=1, le=60, description="延长工作日")
    approved_by: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class CaseCompletedPayload(_Strict):
    result: CaseResult
    certificate_no: str | None = Field(default=None, max_length=64)


class CaseDeliveredPayload(_Strict):
    method: Literal["window", "post", "electronic"] = "window"


class FeeChargedPayload(_Strict):
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="收费金额(元)")
    fee_item: str | None = Field(default=None, max_length=200)
    receipt_no: str | None = Field(default=None, max_length=64)


class RatingSubmittedPayload(_Strict):
    score: int = Field(ge=1, le=5, description="1 非常满意 … 5 非常不满意")
    channel: RatingChannel = RatingChannel.PAD
    comment: str | None = Field(default=None, max_length=1000)


class ComplaintFiledPayload(_Strict):
    complaint_no: str = Field(pattern=CODE)
    channel: ComplaintChannel
    category: str = Field(min_length=1, max_length=100)
    summary: str | None = Field(default=None, max_length=2000)


class ComplaintAcceptedPayload(_Strict):
    complaint_no: str = Field(pattern=CODE)


class ComplaintResolvedPayload(_Strict):
    complaint_no: str = Field(pattern=CODE)
    substantiated: bool | None = None
    satisfied: bool | None = None


class QueueTicketPayload(_Strict):
    ticket_no: str = Field(min_length=1, max_length=32)
    matter_code: str | None = Field(default=None, pattern=CODE)


class AttendancePayload(_Strict):
    method: AttendanceMethod = AttendanceMethod.FACE


class PresenceSamplePayload(_Strict):
    camera_code: str = Field(pattern=CODE)
    seat: int = Field(default=0, ge=0, le=16)
    occupied: bool
    score: float = Field(ge=0.0, le=1.0)


class CameraHealthPayload(_Strict):
    camera_code: str = Field(pattern=CODE)
    status: CameraStatus
    detail: str | None = Field(default=None, max_length=500)


# ---------------------------------------------------------------- envelope


class Envelope(_Strict):
    event_id: uuid.UUID = Field(description="idempotency key")
    occurred_at: AwareDatetime = Field(description="when it happened, with a time-zone offset")
    source: str = Field(pattern=CODE, description="sending system or device")
    region_code: str = Field(pattern=REGION_CODE, description="行政区划代码")
    center_code: str = Field(pattern=CODE)
    department_code: str | None = Field(default=None, pattern=CODE)
    window_code: str | None = Field(default=None, pattern=CODE)
    case_no: str | None = Field(default=None, min_length=1, max_length=64, description="办件编号")
    staff_id: str | None = Field(default=None, pattern=CODE)


def _kind(kind: EventKind, payload: type[BaseModel], *, needs: tuple[str, ...] = ()) -> Any:
    """Build the event model of one kind: the envelope, a typed payload, and the envelope fields
    this kind cannot do without made required (e.g. `case_no` for case events)."""
    required: dict[str, Any] = {}
    for name in needs:
        info = Envelope.model_fields[name]
        pattern = next((m.pattern for m in info.metadata if hasattr(m, "pattern")), None)
        constraints = {"pattern": pattern} if pattern else {"min_length": 1, "max_length": 64}
        required[name] = (str, Field(description=info.description, **constraints))
    name = "".join(part.title() for part in kind.value.replace(".", "_").split("_")) + "Event"
    return create_model(
        name,
        __base__=Envelope,
        kind=(Literal[kind], Field(description=kind.value)),  # type: ignore[arg-type]
        payload=(payload, ...),
        **required,
    )


_CASE = ("case_no", "department_code")
EVENT_MODELS: dict[EventKind, type[Envelope]] = {
    EventKind.CASE_APPLIED: _kind(EventKind.CASE_APPLIED, CaseAppliedPayload, needs=_CASE),
    EventKind.CASE_ACCEPTED: _kind(EventKind.CASE_ACCEPTED, CaseAcceptedPayload, needs=_CASE),
    EventKind.CASE_REFUSED: _kind(EventKind.CASE_REFUSED, CaseRefusedPayload, needs=_CASE),
    EventKind.CASE_SUPPLEMENT_REQUESTED: _kind(
        EventKind.CASE_SUPPLEMENT_REQUESTED, CaseSupplementRequestedPayload, needs=_CASE
    ),
    EventKind.CASE_SUPPLEMENT_RECEIVED: _kind(
        EventKind.CASE_SUPPLEMENT_RECEIVED, CaseSupplementReceivedPayload, needs=_CASE
    ),
    EventKind.CASE_STEP_STARTED: _kind(EventKind.CASE_STEP_STARTED, CaseStepPayload, needs=_CASE),
    EventKind.CASE_STEP_COMPLETED: _kind(
        EventKind.CASE_STEP_COMPLETED, CaseStepPayload, needs=_CASE
    ),
    EventKind.CASE_SPECIAL_PROCEDURE_STARTED: _kind(
        EventKind.CASE_SPECIAL_PROCEDURE_STARTED, CaseSpecialProcedurePayload, needs=_CASE
    ),
    EventKind.CASE_SPECIAL_PROCEDURE_ENDED: _kind(
        EventKind.CASE_SPECIAL_PROCEDURE_ENDED, CaseSpecialProcedurePayload, needs=_CASE
    ),
    EventKind.CASE_EXTENDED: _kind(EventKind.CASE_EXTENDED, CaseExtendedPayload, needs=_CASE),
    EventKind.CASE_COMPLETED: _kind(EventKind.CASE_COMPLETED, CaseCompletedPayload, needs=_CASE),
    EventKind.CASE_DELIVERED: _kind(EventKind.CASE_DELIVERED, CaseDeliveredPayload, needs=_CASE),
    EventKind.FEE_CHARGED: _kind(EventKind.FEE_CHARGED, FeeChargedPayload, needs=_CASE),
    EventKind.RATING_SUBMITTED: _kind(
        EventKind.RATING_SUBMITTED, RatingSubmittedPayload, needs=("department_code",)
    ),
    EventKind.COMPLAINT_FILED: _kind(
        EventKind.COMPLAINT_FILED, ComplaintFiledPayload, needs=("department_code",)
    ),
    EventKind.COMPLAINT_ACCEPTED: _kind(EventKind.COMPLAINT_ACCEPTED, ComplaintAcceptedPayload),
    EventKind.COMPLAINT_RESOLVED: _kind(EventKind.COMPLAINT_RESOLVED, ComplaintResolvedPayload),
    EventKind.QUEUE_TICKET_ISSUED: _kind(EventKind.QUEUE_TICKET_ISSUED, QueueTicketPayload),
    EventKind.QUEUE_TICKET_CALLED: _kind(
        EventKind.QUEUE_TICKET_CALLED, QueueTicketPayload, needs=("window_code",)
    ),
    EventKind.QUEUE_TICKET_SERVED: _kind(
        EventKind.QUEUE_TICKET_SERVED, QueueTicketPayload, needs=("window_code",)
    ),
    EventKind.ATTENDANCE_CLOCK_IN: _kind(
        EventKind.ATTENDANCE_CLOCK_IN, AttendancePayload, needs=("staff_id",)
    ),
    EventKind.ATTENDANCE_CLOCK_OUT: _kind(
        EventKind.ATTENDANCE_CLOCK_OUT, AttendancePayload, needs=("staff_id",)
    ),
    EventKind.PRESENCE_SAMPLE: _kind(
        EventKind.PRESENCE_SAMPLE, PresenceSamplePayload, needs=("window_code",)
    ),
    EventKind.CAMERA_HEALTH: _kind(EventKind.CAMERA_HEALTH, CameraHealthPayload),
}


def _build_adapter() -> TypeAdapter[Any]:
    from functools import reduce
    from operator import or_

    union = reduce(or_, EVENT_MODELS.values())
    return TypeAdapter(Annotated[union, Field(discriminator="kind")])  # type: ignore[arg-type]


_ADAPTER = _build_adapter()
Event = Envelope  # every parsed event is an Envelope subclass with `kind` and `payload`


class FieldProblem(_Strict):
    field: str
    reason: str


class EventError(ValueError):
    """An input that is not a valid event; `problems` names every bad field and why."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.reason}" for p in problems))


def _problems(exc: ValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        if loc and loc[0] in EventKind._value2member_map_:
            loc = loc[1:]  # drop the discriminator tag pydantic puts first
        reason = err["msg"]
        if err["type"] == "union_tag_invalid":
            loc, reason = ["kind"], f"unknown event kind {err['ctx']['tag']!r}"
        elif err["type"] == "union_tag_not_found":
            loc, reason = ["kind"], "Field required"
        out.append(FieldProblem(field=".".join(loc) or "(event)", reason=reason))
    return out


def parse_event(data: Mapping[str, Any] | bytes | str) -> Envelope:
    """Validate one event given as a dict or as JSON text; raise EventError naming the fields."""
    try:
        if isinstance(data, bytes | str):
            return _ADAPTER.validate_json(data)  # type: ignore[no-any-return]
        return _ADAPTER.validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise EventError(_problems(exc)) from None


def event_json_schema(kind: EventKind) -> dict[str, Any]:
    """The JSON Schema of one event kind, as published by the ingest API."""
    return EVENT_MODELS[kind].model_json_schema()


def event_to_row(event: Envelope) -> dict[str, Any]:
    """A JSON-ready dict of the event (mode='json': UUIDs, datetimes and decimals as strings)."""
    return event.model_dump(mode="json", exclude_none=True)


def occurred(event: Envelope) -> datetime:
    return event.occurred_at
