"""The HTTP API: batches and streams in, answers only after the commit, every refusal named."""

from __future__ import annotations

import time

import orjson
from fastapi.testclient import TestClient

from ingest.api import NDJSON
from ingest.service import IngestService
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from tests.fix_ingest import make_key
from tests.ingest import factory as f


def _post(client, key, body, **headers):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return client.post(
        "/v1/events", content=data, headers={"Authorization": f"Bearer {key}", **headers}
    )


def test_a_batch_is_stored_and_a_resend_is_counted_as_duplicates(conn, service, api_key):
    events = f.case_life("C1") + f.case_life("C2")
    first = _post(service.client, api_key, events)
    again = _post(service.client, api_key, events[0])
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 6, "duplicates": 0, "rejected": 0}
    assert again.json() == {"accepted": 0, "duplicates": 1, "rejected": 0}
    assert event_repo.count(conn) == 6


def test_bad_events_get_422_naming_each_field_and_land_in_dead_letters(conn, service, api_key):
    good = f.applied("C1", f.at(15, 9))
    no_case = {k: v for k, v in f.accepted("C2", f.at(15, 9)).items() if k != "case_no"}
    wrong = f.rating("C1", f.at(15, 10), score=7) | {"kind": "rating.submitted", "extra": 1}
    r = _post(service.client, api_key, [good, no_case, wrong])
    assert r.status_code == 422
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (1, 2)
    problems = {p["index"]: {q["field"] for q in p["problems"]} for p in body["problems"]}
    assert problems == {1: {"case_no"}, 2: {"payload.score", "extra"}}
    letters = ingest_repo.dead_letters(conn)
    assert len(letters) == 2 and {orjson.loads(d.raw)["event_id"] for d in letters} == {
        no_case["event_id"],
        wrong["event_id"],
    }
    assert event_repo.count(conn) == 1


def test_a_body_that_is_not_json_is_refused_and_kept(conn, service, api_key):
    r = _post(service.client, api_key, b'{"event_id": ')
    assert r.status_code == 422
    assert r.json()["problems"][0]["problems"][0]["field"] == "(event)"
    assert ingest_repo.dead_letters(conn)[0].raw == b'{"event_id": '


def test_without_a_valid_key_nothing_is_taken(service):
    assert _post(service.client, "hw_nope_nope", f.case_life("C1")).status_code == 401
    r = service.client.post("/v1/events", content=orjson.dumps(f.case_life("C1")))
    assert r.status_code == 401


def test_a_key_of_another_source_gets_403_for_events_outside_its_scope(db, service):
    key = make_key(db.url, source="queue", region="610802", center="YY-ZW")
    r = _post(service.client, key, f.case_life("C1"))
    assert r.status_code == 403
    assert r.json()["problems"][0]["problems"][0]["field"] == "source"


def test_more_than_ten_thousand_events_get_413_and_are_kept(conn, service, api_key):
    many = [f.rating(f"C{i}", f.at(15, 10)) for i in range(10_001)]
    r = _post(service.client, api_key, many)
    assert r.status_code == 413
    assert ingest_repo.dead_letters(conn)[0].reason == "too_large"


def test_an_ndjson_stream_is_written_in_batches(conn, service, api_key, monkeypatch):
    monkeypatch.setattr("ingest.api.STREAM_BATCH", 7)
    events = [e for i in range(10) for e in f.case_life(f"C{i}")]
    lines = b"\n".join(orjson.dumps(e) for e in events) + b"\n\n{bad json\n"
    r = service.client.post("/v1/events:ndjson", content=lines, headers={"X-API-Key": api_key})
    assert r.status_code == 422
    assert (r.json()["accepted"], r.json()["rejected"]) == (30, 1)
    assert r.json()["problems"][0]["index"] == 32  # its line number
    assert event_repo.count(conn) == 30
    again = _post(
        service.client, api_key, lines[: lines.index(b"\n\n")], **{"Content-Type": NDJSON}
    )
    assert again.json() == {"accepted": 0, "duplicates": 30, "rejected": 0}


def test_a_full_queue_or_a_slow_commit_answers_503_with_retry_after(db, small, api_key):
    svc = IngestService(db.url, ack_timeout_s=0.3)  # writer not started: nothing commits
    svc.writer.max_queue = 1
    with TestClient(svc.app()) as client:
        slow = _post(client, api_key, f.case_life("C1"))
        full = _post(client, api_key, f.case_life("C2"))
    assert (slow.status_code, full.status_code) == (503, 503)
    assert slow.headers["Retry-After"] and full.headers["Retry-After"]


def test_it_serves_schemas_openapi_metrics_and_health(service, api_key):
    c = service.client
    _post(c, api_key, f.case_life("C1"))
    schema = c.get("/v1/schemas/case.accepted").json()
    assert "payload" in schema["properties"] and "case_no" in schema["required"]
    assert "case.applied" in c.get("/v1/schemas").json()["kinds"]
    doc = c.get("/openapi.json").json()
    assert "Event" in doc["components"]["schemas"]
    assert (
        "oneOf"
        in doc["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]
    )
    metrics = c.get("/metrics").text
    assert 'hallwatch_ingest_events_total{kind="case.applied",outcome="accepted"} 1.0' in metrics
    assert c.get("/healthz").json()["status"] == "ok"


def test_acknowledged_events_are_projected_into_cases_by_the_service(service, api_key, conn):
    _post(service.client, api_key, f.case_life("C1"))
    deadline = time.monotonic() + 20
    status = None
    while status != "completed" and time.monotonic() < deadline:
        row = conn.execute("select status from cases where case_no = 'C1'").fetchone()
        status = row["status"] if row else None
        time.sleep(0.1)
    assert status == "completed"


def test_the_service_runs_inside_another_process_and_stops_cleanly(db, small, tmp_path):
    import httpx

    from core.settings import load_settings
    from ingest import service as ingest_service
    from store.db import Database
    from tests.fix_ingest import free_port

    port = free_port()
    settings = load_settings({}, database_url=db.url, data_dir=str(tmp_path), ingest_port=port)
    running = ingest_service.start(settings, Database(db.url))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        outcome = running.service.submit(f.case_life("C1"), source="sim")
        assert (outcome.accepted, outcome.rejected) == (3, 0)
    finally:
        running.stop()
    assert not running.thread.is_alive() and not running.service.writer.alive
