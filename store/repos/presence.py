"""Presence samples that arrive as events (table `presence_samples`, migration 0040).

A hall whose video worker runs on its edge box sends `presence.sample` and `camera.health`
events through its buffer; the projector turns each into a row here. A video worker at the
centre (`hallwatch up`, `hallwatch serve video`) writes its rows itself, in the transaction of
its events, at the same instants. So a row is added only when the table has none for that
camera, seat and instant: every sample is stored once whichever way it came, and folding the
events again (a rebuild, a redelivery) adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection


@dataclass(frozen=True, slots=True)
class PresenceRow:
    at: datetime
    camera_code: str
    window_code: str | None
    seat: int
    occupied: bool | None  # None: unknown (camera fault)
    score: float | None
    camera_status: str


_ADD_MISSING = """
insert into presence_samples (at, camera_code, window_code, seat, occupied, score, camera_status)
select distinct on (v.camera_code, v.seat, v.at)
       v.at, v.camera_code, v.window_code, v.seat, v.occupied, v.score, v.camera_status
  from unnest(%s::timestamptz[], %s::text[], %s::text[], %s::smallint[], %s::boolean[],
              %s::real[], %s::text[])
       as v (at, camera_code, window_code, seat, occupied, score, camera_status)
 where not exists (select 1 from presence_samples p
                    where p.camera_code = v.camera_code and p.at = v.at and p.seat = v.seat)
 order by v.camera_code, v.seat, v.at, v.occupied is null
"""


def add_missing(conn: Connection[Any], rows: Sequence[PresenceRow]) -> int:
    """Insert the rows whose (camera, seat, instant) is not stored yet; returns how many."""
    if not rows:
        return 0
    columns = (
        [r.at for r in rows],
        [r.camera_code for r in rows],
        [r.window_code for r in rows],
        [r.seat for r in rows],
        [r.occupied for r in rows],
        [r.score for r in rows],
        [r.camera_status for r in rows],
    )
    return conn.execute(_ADD_MISSING, columns).rowcount
