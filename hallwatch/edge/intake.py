"""The edge agent's HTTP side: the device bridge (`POST /events`, the same JSON envelope the
central ingest API takes), `/healthz` and `/metrics`.

`POST /events` takes one event or a list. Valid events go into the hall's buffer; invalid ones
are refused with their index and the fields at fault (the sender keeps them: the edge has no
dead-letter table). When the buffer cannot store (full, local server down) the answer is 503 and
the sender resends the whole request — ids make that safe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from core.events import EventError
from hallwatch.edge.publisher import BufferRefused, EdgePublisher

MAX_BATCH = 5000


def create_app(
    publisher: EdgePublisher, registry: CollectorRegistry, health: Callable[[], dict[str, Any]]
) -> FastAPI:
    app = FastAPI(title="HallWatch edge agent", docs_url=None, redoc_url=None)

    @app.post("/events")
    async def events(request: Request) -> JSONResponse:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return _refused(400, None, "(body)", str(exc))
        items = body if isinstance(body, list) else [body]
        if len(items) > MAX_BATCH:
            return _refused(413, None, "(body)", f"at most {MAX_BATCH} events per request")
        stored = duplicates = 0
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors.append(_error(index, "(event)", "an event is a JSON object"))
                continue
            try:
                result = await publisher.publish(item)
            except EventError as exc:
                errors.append({"index": index, "problems": [p.model_dump() for p in exc.problems]})
                continue
            except BufferRefused as exc:
                return JSONResponse({"stored": stored, "error": str(exc)}, status_code=503)
            stored += 1
            duplicates += int(result.duplicate)
        status = 422 if errors else 202
        return JSONResponse(
            {"stored": stored, "duplicates": duplicates, "errors": errors}, status_code=status
        )

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        state = health()
        return JSONResponse(state, status_code=200 if state.get("buffer") == "ok" else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _error(index: int | None, field: str, reason: str) -> dict[str, Any]:
    return {"index": index, "problems": [{"field": field, "reason": reason}]}


def _refused(status: int, index: int | None, field: str, reason: str) -> JSONResponse:
    body = {"stored": 0, "duplicates": 0, "errors": [_error(index, field, reason)]}
    return JSONResponse(body, status_code=status)
