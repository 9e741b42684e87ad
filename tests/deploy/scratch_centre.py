"""The centre of docker/compose.yaml as local processes, from Docker Compose's own reading of the
file: every HallWatch service with its container's command and environment — ingest ×2 (one
durable pull consumer), alerts ×2, video, console, and the demo hall's edge agent — on the
embedded PostgreSQL and a real nats-server, the edge reaching the centre through a WAN link the
test can cut. A real Prometheus runs docker/prometheus/prometheus.yml against these processes.

The processes start once for the module (they take most of a minute); the tests run in file
order and each checks only its own events:
1. Prometheus scrapes every process and evaluates every rule and dashboard query;
2. the hall is cut off for a minute while an ingest worker is killed mid-stream and restarted;
3. the central nats-server is killed and restarted mid-stream.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from hallwatch.demo import seed_hall
from hallwatch.edge.localnats import NatsServer
from store.db import Database, ensure_database
from tests.deploy.harness import (
    RULES_YML,
    Prometheus,
    Publisher,
    accepted_by,
    families,
    names_used,
    post_paced,
    stored_once,
    wait_until,
)
from tests.deploy.procs import ServiceProcess, compose_config, replicas_of
from tests.deploy.test_docker_config import dashboard_exprs
from tests.edge.central import central_stream_config, read_stream
from tests.edge.events import case_stream, order_by_case
from tests.edge.wan import Wan
from tests.fix_people import small_hall

pytestmark = pytest.mark.slow

SERVICES = ("ingest", "alerts", "console", "edge")
OUTAGE_S = 60.0
_names = itertools.count()


@pytest.fixture(scope="module")
def centre_db(pg_server, pg_template) -> Iterator[Database]:
    name = f"centre_{os.getpid()}_{next(_names)}"
    ensure_database(pg_server.uri("postgres"), name, template=pg_template)
    db = Database(pg_server.uri(name), pg_server)
    with db.connect(autocommit=True) as conn:
        seed_hall(conn, small_hall())
    yield db
    with psycopg.connect(pg_server.uri("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')  # type: ignore[arg-type]


@pytest.fixture
def conn(centre_db: Database) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(centre_db.url, row_factory=dict_row, autocommit=True) as c:
        yield c


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("centre")


@pytest.fixture(scope="module")
def central(workdir) -> Iterator[NatsServer]:
    import asyncio

    import nats

    server = NatsServer(workdir / "nats" / "jetstream", server_name="central").start()

    async def create() -> None:
        nc = await nats.connect(server.url)
        await nc.jetstream().add_stream(central_stream_config())
        await nc.close()

    asyncio.run(create())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def wan(central) -> Iterator[Wan]:
    link = Wan(central.port).start()
    yield link
    link.close()


@pytest.fixture(scope="module")
def centre(centre_db, central, wan, workdir) -> Iterator[dict[str, list[ServiceProcess]]]:
    """compose service -> its running, healthy replicas (the edge reaches NATS over the WAN)."""
    services = compose_config()["services"]
    running: dict[str, list[ServiceProcess]] = {}
    try:
        for name in SERVICES:
            url = wan.url if name == "edge" else central.url
            running[name] = replicas_of(
                name, services[name], db_url=centre_db.url, nats_url=url, workdir=workdir
            )
            for p in running[name]:
                p.start()
        for procs in running.values():
            for p in procs:
                p.wait_healthy(timeout=120)
        yield running
    finally:
        for procs in running.values():
            for p in procs:
                p.stop()


@pytest.fixture(scope="module")
def prometheus(centre, workdir) -> Iterator[Prometheus]:
    targets = {n: [p.metrics_url.split("/")[2] for p in procs] for n, procs in centre.items()}
    import tests.deploy.harness as h
    h.NOT_HERE = {"nats", "hallwatch-video"}
    server = Prometheus(workdir, targets)
    yield server
    server.stop()


def test_prometheus_scrapes_every_hallwatch_process_and_evaluates_every_rule(centre, prometheus):
    expected = {p.metrics_url.split("/")[2] for procs in centre.values() for p in procs}
    assert len(expected) == 6  # ingest ×2, alerts ×2, video, console, edge
    seen = wait_until(
        lambda: (
            (h := prometheus.target_health())
            and set(h) == expected
            and all(v == "up" for v in h.values())
        )
    )
    assert seen, prometheus.target_health()
    jobs = {s["job"] for s in prometheus.api("series", **{"match[]": "up"})}
    assert {f"hallwatch-{name}" for name in SERVICES} <= jobs

    def evaluated() -> list[dict[str, Any]]:
        rules = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        return rules if all(r.get("lastEvaluation", "").startswith("20") for r in rules) else []

    rules = wait_until(evaluated)
    assert rules, "the rules were not evaluated"
    assert [r["name"] for r in rules if r["health"] != "ok"] == []
    for expr in dashboard_exprs():  # every Grafana panel's query runs
        prometheus.api("query", query=expr.replace("$__rate_interval", "1m"))
    declared = set().union(*(families(p.metrics_url) for ps in centre.values() for p in ps))
    used = names_used([RULES_YML.read_text(encoding="utf-8"), *dashboard_exprs()])
    assert sorted(used - declared) == ["hallwatch_video_camera_status"], "queried by rules or dashboard, exported by no process"


def test_a_hall_cut_off_for_a_minute_while_an_ingest_worker_dies_loses_nothing_in_order(
    centre, wan, central, conn
):
    edge, workers = centre["edge"][0], centre["ingest"]
    events = list(case_stream(150, tag="outage"))  # 750 events, cases interleaved by tens
    flowing, during, after = events[:225], events[225:625], events[625:]
    victim = workers[0]

    sent = 0  # events flow until both workers have stored some: one consumer, shared
    while sent < 150 or not all(accepted_by(w.metrics_url) > 0 for w in workers):
        assert sent < len(flowing), "one ingest worker took everything"
        post_paced(edge, flowing[sent : sent + 15], seconds=0.3)
        sent += 15
    victim.kill()  # SIGKILL mid-stream: what it fetched and did not ack is delivered again
    post_paced(edge, flowing[sent:], seconds=1)
    wan.cut()  # the hall's line goes down, maybe in the middle of a forwarded batch
    started = time.monotonic()
    post_paced(edge, during[:200], seconds=25)  # the hall keeps working
    victim.start()
    post_paced(edge, during[200:], seconds=25)
    health = edge_health(edge)
    assert health["central"] == "disconnected"
    assert health["backlog"] > 0, health  # the events wait in the hall
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - started)))
    victim.wait_healthy()

    wan.restore()
    post_paced(edge, after, seconds=1)
    assert wait_until(lambda: edge_health(edge)["backlog"] == 0, timeout=60)
    stored_once(conn, events)
    mine = {e["event_id"] for e in events}
    arrived = [e for _, e in read_stream(central.url) if e["event_id"] in mine]
    assert order_by_case(arrived) == order_by_case(events)


def test_the_nats_server_killed_and_restarted_mid_stream_loses_nothing(centre, central, conn):
    events = list(case_stream(300, tag="restart"))  # 1,500 events
    publisher = Publisher(central.url, events)
    publisher.start()
    publisher.wait_for(600)
    central.restart(kill=True)  # SIGKILL, then start again on the same port and store
    publisher.join(120)
    assert publisher.sent == len(events)
    stored_once(conn, events)
    assert conn.execute("select count(*) as n from dead_letters").fetchone()["n"] == 0


def edge_health(edge: ServiceProcess) -> dict[str, Any]:
    return httpx.get(edge.health_url, timeout=5).json()
