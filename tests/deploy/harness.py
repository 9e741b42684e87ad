"""Helpers of the whole-centre tests: a steady NATS publisher that retries across a server
restart, paced posting to an edge agent, waiting for rows, and a local Prometheus running the
compose deployment's configuration against local processes."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml

from hallwatch.edge.localnats import free_port, wait_for_port
from ingest.sources.nats import publish
from tests.deploy.procs import DOCKER

PROMETHEUS_YML = DOCKER / "prometheus" / "prometheus.yml"
RULES_YML = DOCKER / "prometheus" / "rules.yml"
NOT_HERE = {"nats"}  # the NATS exporter: no binary of it on this machine


class Publisher(threading.Thread):
    """Publishes `events` to the central stream in small batches at a steady pace, retrying a
    batch until the stream took it (as any publisher must across a server restart)."""

    def __init__(self, url: str, events: list[dict[str, Any]], batch: int = 50) -> None:
        super().__init__(daemon=True)
        self.url, self.events, self.batch = url, events, batch
        self.sent = 0

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        nc = await nats.connect(self.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
        js = nc.jetstream(timeout=2)
        while self.sent < len(self.events):
            chunk = self.events[self.sent : self.sent + self.batch]
            try:
                await publish(js, chunk)
            except (nats.errors.Error, TimeoutError):
                await asyncio.sleep(0.3)
                continue
            self.sent += len(chunk)
            await asyncio.sleep(0.05)
        await nc.close()

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.sent < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.sent >= count, f"published {self.sent} of {count}"


def post_paced(edge: Any, events: list[dict[str, Any]], seconds: float) -> None:
    """Post `events` to an edge agent evenly over `seconds`, as a hall's devices would."""
    started, sent = time.monotonic(), 0
    while sent < len(events):
        elapsed = time.monotonic() - started
        due = min(len(events), int(elapsed / max(seconds, 1e-3) * len(events)) + 1)
        if due > sent:
            body = httpx.post(f"{edge.url}/events", json=events[sent:due], timeout=10).json()
            assert body["stored"] == due - sent, body
            sent = due
        time.sleep(0.1)


def stored_once(conn: Any, events: Iterable[dict[str, Any]], timeout: float = 90.0) -> None:
    """Wait until every one of `events` is in `events`, then check each is there exactly once."""
    ids = [e["event_id"] for e in events]
    query = (
        "select count(*) as n, count(distinct event_id) as distinct_ids from events"
        " where event_id = any(%s::uuid[])"
    )
    deadline = time.monotonic() + timeout
    while (row := conn.execute(query, (ids,)).fetchone())["distinct_ids"] < len(ids):
        assert time.monotonic() < deadline, f"{row['distinct_ids']} of {len(ids)} stored"
        time.sleep(0.5)
    time.sleep(1.0)  # a late duplicate would show now
    row = conn.execute(query, (ids,)).fetchone()
    assert row["n"] == row["distinct_ids"] == len(ids), row


def accepted_by(metrics_url: str) -> float:
    """Events one ingest worker stored, from its own /metrics."""
    text = httpx.get(metrics_url, timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("hallwatch_ingest_events_total{") and 'outcome="accepted"' in line
    )


def wait_until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


# ---------------------------------------------------------------- Prometheus


def local_config(targets: dict[str, list[str]], self_port: int) -> dict[str, Any]:
    """prometheus.yml with every job's discovery replaced by local processes' addresses
    (`targets`: compose service -> host:port of each replica's /metrics)."""
    config = yaml.safe_load(PROMETHEUS_YML.read_text(encoding="utf-8"))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(RULES_YML)]
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if name in NOT_HERE:
            continue
        found = [f"127.0.0.1:{self_port}"]
        if name != "prometheus":
            found = targets[name.removeprefix("hallwatch-")]  # KeyError: a service not started
        jobs.append({"job_name": name, "static_configs": [{"targets": found}]})
    config["scrape_configs"] = jobs
    return config


class Prometheus:
    def __init__(self, workdir: Path, targets: dict[str, list[str]]) -> None:
        exe = shutil.which("prometheus")
        if exe is None:
            pytest.fail("prometheus not found: apt-get install -y prometheus", pytrace=False)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(local_config(targets, self.port)), encoding="utf-8")
        args = [f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}"]
        args.append(f"--web.listen-address=127.0.0.1:{self.port}")
        with (workdir / "prometheus.log").open("wb") as log:
            self.proc = subprocess.Popen([exe, *args], stdout=log, stderr=subprocess.STDOUT)
        wait_for_port("127.0.0.1", self.port, timeout=30)

    def api(self, path: str, **params: str) -> Any:
        body = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        assert body["status"] == "success", body
        return body["data"]

    def target_health(self) -> dict[str, str]:
        active = self.api("targets", state="active")["activeTargets"]
        return {
            t["labels"]["instance"]: t["health"]
            for t in active
            if t["labels"]["job"] != "prometheus"
        }

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)


def families(metrics_url: str) -> set[str]:
    """Metric families a process declares on /metrics (with or without samples yet)."""
    text = httpx.get(metrics_url, timeout=10).text
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    return {re.sub(r"_total$", "", n) for n in names}


def names_used(texts: Iterable[str]) -> set[str]:
    """hallwatch_* metric families queried in `texts` (rules, dashboard queries)."""
    found = {m for t in texts for m in re.findall(r"\bhallwatch_[a-z_]+", t)}
    return {re.sub(r"_(bucket|count|sum|total)$", "", m) for m in found}
