"""The OpenAPI description of the event bodies: the handlers read raw bytes (for speed, and to
keep the raw input of refused events), so the request schemas are declared here from the same
pydantic models that validate them (core/events.py)."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from core.events import EVENT_MODELS

REF = "#/components/schemas/{model}"
EVENT_REF = {"$ref": "#/components/schemas/Event"}


def _event_schema() -> dict[str, Any]:
    union = Annotated[reduce(or_, EVENT_MODELS.values()), Field(discriminator="kind")]  # type: ignore[valid-type]
    return TypeAdapter(union).json_schema(ref_template=REF)  # type: ignore[arg-type]


def events_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            EVENT_REF,
                            {"type": "array", "items": EVENT_REF, "maxItems": 10_000},
                        ]
                    }
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        "responses": _responses(),
    }


def ndjson_body() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string", "description": "one event (JSON) per line"}
                }
            },
        },
        "responses": _responses(),
    }


_RESULT = {
    "type": "object",
    "properties": {
        "accepted": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {"type": "integer"},
        "problems": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "event_id": {"type": "string"},
                    "reason": {"type": "string"},
                    "problems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string"},
                                "reason": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def _responses() -> dict[str, Any]:
    result = {"application/json": {"schema": _RESULT}}
    return {
        "200": {"description": "every event stored (or already stored)", "content": result},
        "401": {"description": "missing or unknown API key"},
        "403": {"description": "events outside the API key's scope", "content": result},
        "413": {"description": "more than 10,000 events: use /v1/events:ndjson"},
        "422": {
            "description": "refused events, each with its fields and reasons",
            "content": result,
        },
        "503": {"description": "writer queue full or database unavailable; see Retry-After"},
    }


def with_event_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    """Add `Event` (the discriminated union of every kind) and its parts to the components."""
    schema = _event_schema()
    defs = schema.pop("$defs", {})
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components.update(defs)
    components["Event"] = schema
    return doc
