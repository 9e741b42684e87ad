"""Subjects and the hall's buffer stream (ARCHITECTURE.md → Scale-out).

Every event travels on `hallwatch.<region_code>.<center_code>.<kind>`
(`ingest.sources.nats.subject`); a kind such as `case.accepted` adds two tokens, so
`hallwatch.610802.YY-ZW.case.accepted`. The central stream `HALLWATCH` captures `hallwatch.>`;
`hallwatch.610802.>` is one county, `hallwatch.*.YY-ZW.>` one centre. A code may hold a `.`
(codes allow it), which NATS reads as a token break, so it travels as `_`.

The hall's buffer is a JetStream stream on the edge box's own nats-server: a work queue (a
message leaves it once the uplink has it acknowledged by the centre), refusing new messages when
full rather than dropping old ones, de-duplicating `Nats-Msg-Id` for two hours.
"""

from __future__ import annotations

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

# one definition of the wire format, shared with the central consumer
from ingest.sources.nats import DUPLICATE_WINDOW_S, MSG_ID, STREAM, SUBJECTS
from ingest.sources.nats import subject as subject_of

__all__ = ["BUFFER_STREAM", "DUPLICATE_WINDOW_S", "MSG_ID", "STREAM", "SUBJECTS", "subject_of"]

BUFFER_STREAM = "HALLWATCH_EDGE"
GIB = 1024**3


def buffer_stream_config(max_gib: float = 8.0) -> StreamConfig:
    return StreamConfig(
        name=BUFFER_STREAM,
        description="HallWatch edge buffer: events waiting for the centre",
        subjects=[SUBJECTS],
        retention=RetentionPolicy.WORK_QUEUE,
        discard=DiscardPolicy.NEW,
        max_bytes=int(max_gib * GIB),
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
    )
