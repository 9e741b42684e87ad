"""Subjects and the hall's buffer stream (ARCHITECTURE.md → Scale-out).

Every event travels on `hallwatch.<region_code>.<center_code>.<kind>`; a kind such as
`case.accepted` adds two tokens, so `hallwatch.610802.YY-ZW.case.accepted`. The central stream
captures `hallwatch.>`; `hallwatch.610802.>` is one county, `hallwatch.*.YY-ZW.>` one centre. A
code may hold a `.` (codes allow it), which NATS reads as a token break, so it travels as `_`.

The hall's buffer is a JetStream stream on the edge box's own nats-server: a work queue (a
message leaves it once the uplink has it acknowledged by the centre), refusing new messages when
full rather than dropping old ones, de-duplicating `Nats-Msg-Id` for two hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

PREFIX = "hallwatch"
BUFFER_STREAM = "HALLWATCH_EDGE"
MSG_ID = "Nats-Msg-Id"
DUPLICATE_WINDOW_S = 2 * 3600.0
GIB = 1024**3


def token(code: str) -> str:
    """A code as one subject token."""
    return code.replace(".", "_")


def subject(region_code: str, center_code: str, kind: str) -> str:
    return f"{PREFIX}.{token(region_code)}.{token(center_code)}.{kind}"


def subject_of(event: Mapping[str, Any]) -> str:
    """The subject of an event given as its JSON dict."""
    return subject(str(event["region_code"]), str(event["center_code"]), str(event["kind"]))


def buffer_stream_config(max_gib: float = 8.0) -> StreamConfig:
    return StreamConfig(
        name=BUFFER_STREAM,
        description="HallWatch edge buffer: events waiting for the centre",
        subjects=[f"{PREFIX}.>"],
        retention=RetentionPolicy.WORK_QUEUE,
        discard=DiscardPolicy.NEW,
        max_bytes=int(max_gib * GIB),
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )
