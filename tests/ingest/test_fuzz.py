"""Fuzzing the HTTP API from what it publishes: events generated from the JSON Schema of each
kind (GET /v1/schemas/{kind}, the same schemas as in /openapi.json), then bent (fields dropped,
values replaced, junk bodies). Whatever comes in: no 5xx; a refused input gets a 4xx naming the
field and is kept in dead_letters; the projector folds whatever was accepted without getting
stuck."""

from __future__ import annotations

import time

import orjson
import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.service import IngestService
from store.repos import ingest as ingest_repo
from tests.ingest import factory as f
from tests.ingest.schema_strategy import from_schema

HALL = {
    "region_code": f.REGION,
    "center_code": f.CENTER,
    "department_code": f.DEPT,
    "window_code": f.WINDOW,
    "source": "test.fuzz",
}
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def event_strategy(schemas: list[dict]) -> st.SearchStrategy[dict]:
    generated = st.one_of([from_schema(s) for s in schemas])

    def in_hall(e: dict, keep: list[str]) -> dict:
        return e | {k: HALL[k] for k in keep}

    # mostly inside the small hall and the key's scope (so events get stored and projected)
    keep = st.sampled_from([list(HALL)] * 3 + [[]]) | st.lists(st.sampled_from(list(HALL)))
    return st.builds(in_hall, generated, keep)


def bent(events: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """An event with one field dropped or replaced by arbitrary JSON."""

    def bend(e: dict, data: st.DataObject) -> dict:
        path = data.draw(st.sampled_from([*e, *(f"payload.{k}" for k in e.get("payload", {}))]))
        value = data.draw(st.just(None) | JSON)
        target, _, name = path.rpartition(".")
        holder = e["payload"] if target == "payload" and isinstance(e.get("payload"), dict) else e
        name = name if holder is not e or not target else path
        out = dict(e)
        if holder is not e:
            out["payload"] = holder = dict(holder)
        if value is None and data.draw(st.booleans()):
            holder.pop(name, None)
        else:
            holder[name] = value
        return out

    return st.builds(bend, events, st.data())


def bodies(schemas: list[dict]) -> st.SearchStrategy[bytes]:
    events = event_strategy(schemas)
    junk = JSON.map(lambda j: j if isinstance(j, dict) else {"x": j})
    one = st.one_of(events, events, bent(events), junk)
    return st.one_of(
        one.map(orjson.dumps),
        one.map(orjson.dumps),
        st.lists(one, min_size=1, max_size=5).map(orjson.dumps),
        JSON.map(orjson.dumps),
        st.binary(max_size=64),
    )


def test_no_input_breaks_the_api_and_every_refusal_is_named_and_kept(db, small, api_key):
    svc = IngestService(db.url)
    svc.start_workers()
    from fastapi.testclient import TestClient

    with TestClient(svc.app()) as client, psycopg.connect(db.url, autocommit=True) as conn:
        kinds = client.get("/v1/schemas").json()["kinds"]
        schemas = [client.get(f"/v1/schemas/{k}").json() for k in kinds]
        seen = {"stored": 0, "refused": 0}

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            database=None,
        )
        @given(bodies(schemas))
        def check(body: bytes) -> None:
            before = ingest_repo.count_dead_letters(conn)
            r = client.post("/v1/events", content=body, headers={"X-API-Key": api_key})
            assert r.status_code < 500, (r.status_code, r.text, body)
            answer = r.json()
            kept = ingest_repo.count_dead_letters(conn) - before
            seen["stored"] += answer.get("accepted", 0)
            if r.status_code == 200:
                assert answer["rejected"] == 0 and kept == 0
                return
            assert r.status_code in (403, 413, 422), r.text
            assert kept == answer["rejected"] >= 1
            seen["refused"] += kept
            for refused in answer["problems"]:
                assert refused["problems"]
                for p in refused["problems"]:
                    assert p["field"] and p["reason"], refused

        check()
        deadline = time.monotonic() + 30
        while svc.projector.lag(conn) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert svc.projector.lag(conn) == 0  # the projector folded every accepted event
    svc.stop_workers()
    assert seen["stored"] > 0
