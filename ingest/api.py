"""The ingest HTTP API (FastAPI).

    POST /v1/events           one event (JSON object) or a batch (JSON array, up to 10,000);
                              with Content-Type application/x-ndjson, an NDJSON stream
    POST /v1/events:ndjson    an NDJSON stream of any length, written in batches as it arrives
    GET  /v1/schemas          the event kinds;  GET /v1/schemas/{kind}: its JSON Schema
    GET  /metrics, /healthz, /openapi.json, /docs

A sender authenticates with its API key (`Authorization: Bearer hw_…` or `X-API-Key`). The
answer comes after the commit: 200 when every event was stored (or was a repeat), 422 listing
every refused event with the fields and reasons (the valid ones of the same request are stored;
sending the request again is safe), 403 when the only refusals are outside the key's scope, 413
over the batch limit, 503 with Retry-After when the writer queue is full or the database did
not commit in time. Every refused input is kept in `dead_letters`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import orjson
from anyio import to_thread
from fastapi import Depends, FastAPI, HTTPException, Request, Response, Security
from fastapi.openapi.utils import get_openapi
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from core.enums import EventKind
from core.events import FieldProblem, event_json_schema
from ingest import openapi
from ingest.auth import KeyCache, scope_of
from ingest.metrics import IngestMetrics
from ingest.validate import ReferenceIndex, Rejected, RejectReason, Validator, array_elements
from ingest.writer import (
    EMPTY,
    Input,
    Outcome,
    Prepared,
    QueueFull,
    Submission,
    Writer,
    WriterStopped,
    check_and_prepare,
)
from store.repos.events import RowEncoder
from store.repos.ingest import ApiKey

log = logging.getLogger(__name__)

MAX_BATCH = 10_000
MAX_BODY = 64 * 1024 * 1024
STREAM_BATCH = 5_000
MAX_LISTED = 10_000  # problems listed in one answer
NDJSON = "application/x-ndjson"
ENCODER = RowEncoder()  # stateless after construction: shared by the request threads
Checked = tuple[Prepared, list[Rejected]]


@dataclass
class ApiContext:
    writer: Writer
    keys: KeyCache
    reference: ReferenceIndex | None
    metrics: IngestMetrics
    registry: CollectorRegistry
    health: Callable[[], dict[str, Any]]
    ack_timeout_s: float = 30.0
    retry_after_s: int = 2


class Refusal(Exception):
    """An answer other than 200 that still reports per-event results."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def create_app(ctx: ApiContext) -> FastAPI:
    app = FastAPI(
        title="HallWatch ingest",
        version="1",
        description=__doc__,
        openapi_url="/openapi.json",
    )
    bearer = HTTPBearer(auto_error=False, description="API key: Bearer hw_…")
    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key")

    def sender(
        cred: HTTPAuthorizationCredentials | None = Security(bearer),
        key: str | None = Security(header),
    ) -> ApiKey:
        secret = key or (cred.credentials if cred else None)
        found = ctx.keys.get(secret) if secret else None
        if found is None:
            raise HTTPException(401, "missing or unknown API key", {"WWW-Authenticate": "Bearer"})
        return found

    @app.exception_handler(Refusal)
    async def refusal(_: Request, exc: Refusal) -> Response:
        return _json(exc.status, exc.body, exc.headers)

    @app.post("/v1/events", openapi_extra=openapi.events_body(), response_model=None)
    async def post_events(request: Request, key: ApiKey = Depends(sender)) -> Response:
        if request.headers.get("content-type", "").startswith(NDJSON):
            return await _stream(ctx, request, key)
        started = time.perf_counter()
        body = await _body(request)
        read = time.perf_counter()
        validator = Validator(ctx.reference, scope_of(key))
        checked = await to_thread.run_sync(_parse_body, validator, body)
        if checked is None:
            letter = Rejected(body, RejectReason.TOO_LARGE, (_too_many(),))
            await _commit(ctx, Submission(rejects=[letter], source=_source(key)))
            raise Refusal(413, _summary(Outcome(rejected=1), [letter]))
        events, rejects = checked
        parsed = time.perf_counter()
        outcome = await _commit(ctx, Submission(events, rejects, _source(key)))
        log.debug(
            "%d events from %s: read %.0f ms, checked %.0f ms, committed %.0f ms",
            len(events) + len(rejects), key.prefix, (read - started) * 1e3,
            (parsed - read) * 1e3, (time.perf_counter() - parsed) * 1e3,
        )  # fmt: skip
        return _answer(outcome, rejects)

    @app.post("/v1/events:ndjson", openapi_extra=openapi.ndjson_body(), response_model=None)
    async def post_ndjson(request: Request, key: ApiKey = Depends(sender)) -> Response:
        return await _stream(ctx, request, key)

    @app.get("/v1/schemas")
    def schemas() -> dict[str, list[str]]:
        return {"kinds": [k.value for k in EventKind]}

    @app.get("/v1/schemas/{kind}")
    def schema(kind: EventKind) -> dict[str, Any]:
        return event_json_schema(kind)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(ctx.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz")
    def healthz() -> Response:
        report = ctx.health()
        return _json(200 if report.get("status") == "ok" else 503, report)

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
            app.openapi_schema = openapi.with_event_schemas(doc)
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    return app


# ---------------------------------------------------------------- request handling


def _source(key: ApiKey) -> str:
    return f"http:{key.prefix}:{key.source}"


def _too_many() -> FieldProblem:
    return FieldProblem(
        field="(body)", reason=f"at most {MAX_BATCH} events per request; use /v1/events:ndjson"
    )


async def _body(request: Request) -> bytes:
    size = int(request.headers.get("content-length") or 0)
    if size > MAX_BODY:
        raise HTTPException(413, f"body over {MAX_BODY} bytes; use /v1/events:ndjson")
    return await request.body()


def _check(validator: Validator, inputs: Iterable[Input]) -> Checked:
    """Validate and encode (in the calling thread), the refused inputs aside."""
    prepared, rejects, _ = check_and_prepare(validator, inputs, ENCODER)
    return prepared, rejects


def _parse_body(validator: Validator, body: bytes) -> Checked | None:
    """A JSON object or array → prepared events and refusals; None if over the batch limit.
    Each element of an array is checked as JSON of its own, so a refused one keeps its own
    bytes (validating the array as one pydantic list is several times slower)."""
    if body.lstrip()[:1] != b"[":
        return _check(validator, [(None, body)])
    elements = array_elements(body)
    if isinstance(elements, Rejected):
        return EMPTY, [elements]
    if len(elements) > MAX_BATCH:
        return None
    return _check(validator, ((i, orjson.dumps(e)) for i, e in enumerate(elements)))


async def _submit(ctx: ApiContext, checked: Checked, source: str) -> tuple[Outcome, list[Rejected]]:
    events, rejects = checked
    return await _commit(ctx, Submission(events, rejects, source)), rejects


async def _commit(ctx: ApiContext, sub: Submission) -> Outcome:
    try:
        future: Future[Outcome] = ctx.writer.submit(sub)
    except (QueueFull, WriterStopped) as exc:
        raise _unavailable(ctx, str(exc)) from None
    try:
        waiting = asyncio.wrap_future(future)
        return await asyncio.wait_for(asyncio.shield(waiting), ctx.ack_timeout_s)
    except TimeoutError:
        raise _unavailable(ctx, "the database did not commit in time") from None
    except WriterStopped as exc:
        raise _unavailable(ctx, str(exc)) from None


def _unavailable(ctx: ApiContext, why: str) -> HTTPException:
    return HTTPException(503, f"{why}; retry later", {"Retry-After": str(ctx.retry_after_s)})


def _summary(outcome: Outcome, rejects: list[Rejected]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accepted": outcome.accepted,
        "duplicates": outcome.duplicates,
        "rejected": outcome.rejected,
    }
    if rejects:
        body["problems"] = [r.as_json() for r in rejects[:MAX_LISTED]]
        if len(rejects) > MAX_LISTED:
            body["problems_truncated"] = True
    return body


def _answer(outcome: Outcome, rejects: list[Rejected]) -> Response:
    body = _summary(outcome, rejects)
    if not rejects:
        return _json(200, body)
    scope_only = all(r.reason == RejectReason.OUT_OF_SCOPE for r in rejects)
    raise Refusal(403 if scope_only else 422, body)


async def _lines(request: Request) -> AsyncIterator[bytes]:
    rest = b""
    async for chunk in request.stream():
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            yield line
    yield rest


async def _stream(ctx: ApiContext, request: Request, key: ApiKey) -> Response:
    """NDJSON: validate and submit every STREAM_BATCH lines while reading on, one batch in
    flight at a time; answer with the totals once the last batch is committed."""
    validator = Validator(ctx.reference, scope_of(key))
    total, pending = Outcome(), None
    rejects: list[Rejected] = []
    batch: list[tuple[int, bytes]] = []
    number = 0

    async def flush() -> asyncio.Task[tuple[Outcome, list[Rejected]]] | None:
        if not batch:
            return None
        lines = list(batch)
        batch.clear()
        checked = await to_thread.run_sync(lambda: _check(validator, lines))
        return asyncio.ensure_future(_submit(ctx, checked, _source(key)))

    async for line in _lines(request):
        number += 1
        if line.strip():
            batch.append((number, line.strip()))
        if len(batch) >= STREAM_BATCH:
            task = await flush()
            if pending is not None:
                _merge(total, rejects, await pending)
            pending = task
    last = await flush()
    for task in (pending, last):
        if task is not None:
            _merge(total, rejects, await task)
    return _answer(total, rejects)


def _merge(total: Outcome, rejects: list[Rejected], result: tuple[Outcome, list[Rejected]]) -> None:
    total.add(result[0])
    rejects.extend(result[1])
