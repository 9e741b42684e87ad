"""The central side as the edge tests see it: the central stream (as central ingest defines
it) and reading it back in sequence order."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import orjson
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ingest.sources.nats import STREAM as CENTRAL_STREAM
from ingest.sources.nats import central_stream_config

__all__ = ["CENTRAL_STREAM", "central_stream_config", "read_stream"]


def read_stream(url: str, stream: str = CENTRAL_STREAM) -> list[tuple[int, dict[str, Any]]]:
    """Every message of `stream` as (sequence, event), in sequence order."""
    return asyncio.run(_read(url, stream))


async def _read(url: str, stream: str) -> list[tuple[int, dict[str, Any]]]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        total = (await js.stream_info(stream)).state.messages
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30.0
        )
        psub = await js.pull_subscribe("hallwatch.>", stream=stream, config=config)
        out: list[tuple[int, dict[str, Any]]] = []
        while len(out) < total:
            for msg in await psub.fetch(min(1000, total - len(out)), timeout=5):
                out.append((msg.metadata.sequence.stream, orjson.loads(msg.data)))
        await psub.unsubscribe()
        return out
    finally:
        await nc.close()
