"""Validation at the edge (STYLE.md habit 6): one raw input in, either an `Accepted` event ready
for the writer (its `events` row built once) or a `Rejected` one that names every bad field and
keeps the raw bytes for the dead-letter table.

Beyond the schema of core.events: no NUL characters (PostgreSQL text cannot hold them), a sane
`occurred_at`, the centre, department and window known and consistent with each other (reference
data), and — for an HTTP sender — the event inside its API key's scope.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache, reduce
from operator import or_
from typing import Annotated, Any, NamedTuple
from uuid import UUID

import orjson
from pydantic import Field, TypeAdapter, ValidationError

from core.events import EVENT_MODELS, Envelope, EventError, FieldProblem, parse_event
from core.regions import in_scope, region_prefix
from store.repos.events import EventTuple

MIN_YEAR, MAX_YEAR = 2000, 2100
_NUL = b"\\u0000"  # how JSON spells a NUL character
_EVENT = Annotated[reduce(or_, EVENT_MODELS.values()), Field(discriminator="kind")]  # type: ignore[valid-type]
_ONE = TypeAdapter(_EVENT).validator  # type: ignore[arg-type]  # the same validation as core.events.parse_event


_prefix_of = lru_cache(maxsize=1024)(region_prefix)


class RejectReason(StrEnum):
    MALFORMED = "malformed"  # not JSON, not an object, a broken CSV row
    INVALID = "invalid"  # fails the event schema
    UNKNOWN_REFERENCE = "unknown_reference"  # centre/department/window not in reference data
    OUT_OF_SCOPE = "out_of_scope"  # outside the sender's API key scope
    TOO_LARGE = "too_large"  # a request over the batch limit


class Accepted(NamedTuple):
    """A valid event with its `events` row (a tuple: cheap to make millions of)."""

    event_id: UUID
    kind: str
    row: EventTuple


@dataclass(frozen=True, slots=True)
class Rejected:
    raw: bytes
    reason: RejectReason
    problems: tuple[FieldProblem, ...]
    index: int | None = None  # position in the request, line number in a file
    kind: str | None = None
    event_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason.value}
        if self.index is not None:
            out["index"] = self.index
        if self.event_id is not None:
            out["event_id"] = self.event_id
        out["problems"] = [{"field": p.field, "reason": p.reason} for p in self.problems]
        return out


@dataclass(frozen=True, slots=True)
class KeyScope:
    """What one API key may send: its source (or a dotted child of it) inside a region subtree,
    optionally one centre."""

    source: str
    region_code: str
    center_code: str | None = None

    def allows(self, ev: Envelope) -> bool:
        source = ev.source
        return (
            (source == self.source or source.startswith(self.source + "."))
            and ev.region_code.startswith(_prefix_of(self.region_code))
            and (self.center_code is None or ev.center_code == self.center_code)
        )

    def problems(self, ev: Envelope) -> list[FieldProblem]:
        out = []
        if ev.source != self.source and not ev.source.startswith(self.source + "."):
            out.append(_p("source", f"this API key may only send source {self.source!r}"))
        if not in_scope(self.region_code, ev.region_code):
            out.append(_p("region_code", f"outside this API key's region {self.region_code}"))
        if self.center_code is not None and ev.center_code != self.center_code:
            out.append(_p("center_code", f"this API key may only send centre {self.center_code}"))
        return out


@dataclass
class ReferenceIndex:
    """Known centres (→ region), departments (→ centre) and windows (→ centre, department),
    reloaded through `load` at most every `refresh_s` seconds when an unknown code shows up."""

    load: Callable[[], tuple[dict[str, str], dict[str, str], dict[str, tuple[str, str]]]]
    refresh_s: float = 5.0
    centers: dict[str, str] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)
    windows: dict[str, tuple[str, str]] = field(default_factory=dict)
    _loaded_at: float = -1e9

    def refresh(self, force: bool = False) -> None:
        if force or time.monotonic() - self._loaded_at >= self.refresh_s:
            self.centers, self.departments, self.windows = self.load()
            self._loaded_at = time.monotonic()

    def problems(self, ev: Envelope) -> list[FieldProblem]:
        if self.known(ev):
            return []
        out = self._check(ev)
        if out:
            self.refresh()  # reference data may have been added since the last load
            out = self._check(ev)
        return out

    def known(self, ev: Envelope) -> bool:
        """The common case, without building anything."""
        center, dept, window = ev.center_code, ev.department_code, ev.window_code
        if self.centers.get(center) != ev.region_code:
            return False
        if dept is not None and self.departments.get(dept) != center:
            return False
        if window is None:
            return True
        place = self.windows.get(window)
        return place is not None and place[0] == center and (dept is None or place[1] == dept)

    def _check(self, ev: Envelope) -> list[FieldProblem]:
        region = self.centers.get(ev.center_code)
        if region is None:
            return [_p("center_code", f"unknown centre {ev.center_code!r}; load reference data")]
        out = []
        if region != ev.region_code:
            out.append(_p("region_code", f"centre {ev.center_code} is in region {region}"))
        dept = ev.department_code
        if dept is not None and self.departments.get(dept) != ev.center_code:
            out.append(_p("department_code", f"no department {dept!r} in {ev.center_code}"))
        if ev.window_code is not None:
            window = self.windows.get(ev.window_code)
            if window is None or window[0] != ev.center_code:
                out.append(_p("window_code", f"no window {ev.window_code!r} in {ev.center_code}"))
            elif dept is not None and window[1] != dept:
                out.append(_p("window_code", f"window {ev.window_code} belongs to {window[1]}"))
        return out


def _p(field_name: str, reason: str) -> FieldProblem:
    return FieldProblem(field=field_name, reason=reason)


class Validator:
    """Turns raw inputs into Accepted or Rejected; `reference` and `scope` are optional checks."""

    def __init__(
        self, reference: ReferenceIndex | None = None, scope: KeyScope | None = None
    ) -> None:
        self.reference = reference
        self.scope = scope

    def check(
        self, raw: bytes | Mapping[str, Any], index: int | None = None
    ) -> Accepted | Rejected:
        """One event given as JSON bytes or as a JSON-ready mapping."""
        try:
            ev = _validate(raw)
        except ValidationError:
            try:
                parse_event(raw)  # again, for the problems worded as core.events words them
            except EventError as exc:
                return _rejected(raw, index, exc.problems)
            raise
        nul = not isinstance(raw, bytes) or _NUL in raw
        return self._post(ev, raw, index, nul)

    def check_many(
        self, inputs: Iterable[tuple[int | None, bytes | Mapping[str, Any]]]
    ) -> tuple[list[Accepted], list[Rejected]]:
        """`check` of many (index, raw) inputs, the accepted and the refused apart. The common
        case — JSON bytes of a valid event — is inlined: file import spends most of its time
        here."""
        accepted: list[Accepted] = []
        refused: list[Rejected] = []
        validate, reference, scope = _ONE.validate_json, self.reference, self.scope
        for index, raw in inputs:
            if type(raw) is not bytes:
                checked = self.check(raw, index)
            else:
                try:
                    ev = validate(raw)
                except ValidationError:
                    checked = self.check(raw, index)
                else:
                    if (
                        _NUL not in raw
                        and MIN_YEAR <= ev.occurred_at.year <= MAX_YEAR
                        and (reference is None or reference.known(ev))
                        and (scope is None or scope.allows(ev))
                    ):
                        accepted.append(Accepted(ev.event_id, ev.kind, event_row(ev)))  # type: ignore[attr-defined]
                        continue
                    checked = self._post(ev, raw, index, _NUL in raw)
            if isinstance(checked, Accepted):
                accepted.append(checked)
            else:
                refused.append(checked)
        return accepted, refused

    def _post(
        self, ev: Envelope, raw: bytes | Mapping[str, Any] | None, index: int | None, nul: bool
    ) -> Accepted | Rejected:
        """The checks beyond the schema, on a parsed event (the common case first)."""
        if (
            not nul
            and MIN_YEAR <= ev.occurred_at.year <= MAX_YEAR
            and (self.reference is None or self.reference.known(ev))
            and (self.scope is None or self.scope.allows(ev))
        ):
            return Accepted(ev.event_id, ev.kind, event_row(ev))  # type: ignore[attr-defined]
        problems = (
            [_p(p, "must not contain a NUL character") for p in _nul_fields(ev)] if nul else []
        )
        if not MIN_YEAR <= ev.occurred_at.year <= MAX_YEAR:
            problems.append(_p("occurred_at", f"must be between {MIN_YEAR} and {MAX_YEAR}"))
        reason = RejectReason.INVALID
        if not problems and self.reference is not None:
            problems, reason = self.reference.problems(ev), RejectReason.UNKNOWN_REFERENCE
        if not problems and self.scope is not None:
            problems, reason = self.scope.problems(ev), RejectReason.OUT_OF_SCOPE
        if problems:
            source = raw if raw is not None else orjson.dumps(ev.model_dump(mode="json"))
            return _rejected(source, index, problems, reason, ev)
        return Accepted(ev.event_id, ev.kind, event_row(ev))  # type: ignore[attr-defined]


def array_elements(body: bytes) -> list[Any] | Rejected:
    """The elements of a JSON array of events, or why the body is refused as a whole."""
    try:
        items = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return _rejected(body, None, [_p("(body)", f"invalid JSON: {exc}")])
    if not isinstance(items, list):
        return _rejected(body, None, [_p("(body)", "expected an event or an array")])
    return items


def _validate(raw: bytes | Mapping[str, Any]) -> Envelope:
    if isinstance(raw, bytes):
        return _ONE.validate_json(raw)  # type: ignore[no-any-return]
    return _ONE.validate_python(raw)  # type: ignore[no-any-return]


def event_row(ev: Envelope) -> EventTuple:
    payload = ev.payload  # type: ignore[attr-defined]
    data = type(payload).__pydantic_serializer__.to_json(payload, exclude_none=True)
    return (
        ev.event_id,
        ev.kind,  # type: ignore[attr-defined]  # a StrEnum: written as its value
        ev.occurred_at,
        ev.source,
        ev.region_code,
        ev.center_code,
        ev.department_code,
        ev.window_code,
        ev.case_no,
        ev.staff_id,
        data,  # JSON bytes: written to the jsonb column as they are (see RawJson)
    )


def _nul_fields(ev: Envelope) -> Iterator[str]:
    def walk(value: Any, path: str) -> Iterator[str]:
        if isinstance(value, str) and "\x00" in value:
            yield path
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                yield from walk(v, f"{path}.{i}")

    return walk(ev.model_dump(), "")


def _raw_bytes(raw: bytes | Mapping[str, Any]) -> bytes:
    if isinstance(raw, bytes):
        return raw
    try:
        return orjson.dumps(raw, default=str)
    except TypeError:
        return repr(raw).encode()


def _rejected(
    raw: bytes | Mapping[str, Any],
    index: int | None,
    problems: list[FieldProblem],
    reason: RejectReason | None = None,
    ev: Envelope | None = None,
) -> Rejected:
    if reason is None:
        malformed = any(p.field == "(event)" for p in problems)
        reason = RejectReason.MALFORMED if malformed else RejectReason.INVALID
    kind = ev.kind.value if ev is not None else _guess(raw, "kind")  # type: ignore[attr-defined]
    event_id = str(ev.event_id) if ev is not None else _guess(raw, "event_id")
    return Rejected(_raw_bytes(raw), reason, tuple(problems), index, kind, event_id)


def _guess(raw: bytes | Mapping[str, Any], key: str) -> str | None:
    """A field of an input that failed validation, for metrics and the 422 body (best effort)."""
    if isinstance(raw, bytes):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    if isinstance(raw, Mapping):
        value = raw.get(key)
        return value[:64] if isinstance(value, str) else None
    return None
