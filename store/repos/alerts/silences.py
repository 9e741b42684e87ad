"""Silences as people manage them on the console (告警设置): list those in a user's scope, create
one, end one early. The engine reads the silences in force with `in_force`.

A silence's region is the one it was created for (`region_code`) or, for rows written without
one, the region of the centre its matchers name; a silence naming no centre is network-wide:
everyone sees it, only a user scoped to the whole network may end it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from alerts.silences import Silence, SilenceSchedule

_SCOPED = """
with scoped as (
    select s.*, coalesce(nullif(s.region_code, ''), c.region_code, '') as scope_region
    from alert_silences s left join centers c on c.code = s.matchers ->> 'center_code'
)
"""


@dataclass(frozen=True)
class SilenceRow:
    id: int
    matchers: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    schedule: str
    weekdays: list[int]
    from_time: time
    to_time: time
    comment: str
    created_by: str
    created_at: datetime
    scope_region: str  # '' when network-wide

    @property
    def silence(self) -> Silence:
        return Silence(
            id=self.id,
            matchers=self.matchers,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            schedule=SilenceSchedule(self.schedule),
            weekdays=tuple(self.weekdays),
            from_time=self.from_time,
            to_time=self.to_time,
            comment=self.comment,
        )

    def ended(self, now: datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= now

    def may_end(self, region_prefix: str) -> bool:
        """Can a user scoped to `region_prefix` end this silence?"""
        return region_prefix == "" or (
            self.scope_region != "" and self.scope_region.startswith(region_prefix)
        )


def list_silences(
    conn: Connection[Any], *, region_prefix: str, now: datetime, ended_since: datetime | None
) -> list[SilenceRow]:
    """Silences in the scope (and network-wide ones): those not ended yet, plus those ended
    after `ended_since` (None: none of the ended). In force first, then not started yet, then
    ended; newest start first."""
    with conn.cursor(row_factory=class_row(SilenceRow)) as cur:
        return cur.execute(
            _SCOPED + "select id, matchers, starts_at, ends_at, schedule, weekdays, from_time,"
            " to_time, comment, created_by, created_at, scope_region from scoped"
            " where (scope_region = '' or scope_region like %(prefix)s || '%%')"
            " and (ends_at is null or ends_at > %(now)s"
            "      or (%(since)s::timestamptz is not null and ends_at > %(since)s))"
            " order by (ends_at is not null and ends_at <= %(now)s), starts_at > %(now)s,"
            " starts_at desc, id desc",
            {"prefix": region_prefix, "now": now, "since": ended_since},
        ).fetchall()


def create_silence(conn: Connection[Any], s: Silence, *, created_by: str, region_code: str) -> int:
    """Save a new silence (its `id` is ignored) for `region_code` ('' for network-wide)."""
    row = conn.execute(
        "insert into alert_silences (matchers, starts_at, ends_at, schedule, weekdays,"
        " from_time, to_time, comment, created_by, region_code)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) returning id",
        (
            Jsonb(dict(s.matchers)),
            s.starts_at,
            s.ends_at,
            s.schedule.value,
            list(s.weekdays),
            s.from_time,
            s.to_time,
            s.comment,
            created_by,
            region_code,
        ),
    ).fetchone()
    assert row is not None
    return int(row["id"] if isinstance(row, dict) else row[0])


def end_silence(
    conn: Connection[Any], silence_id: int, now: datetime, *, region_prefix: str
) -> bool:
    """End a silence now, if it has not ended and is in the scope; False otherwise."""
    row = conn.execute(
        _SCOPED + "update alert_silences s set ends_at = %(now)s from scoped"
        " where s.id = %(id)s and scoped.id = s.id"
        " and (s.ends_at is null or s.ends_at > %(now)s)"
        " and (%(prefix)s = ''"
        "      or (scoped.scope_region <> '' and scoped.scope_region like %(prefix)s || '%%'))"
        " returning s.id",
        {"id": silence_id, "now": now, "prefix": region_prefix},
    ).fetchone()
    return row is not None


def in_force(conn: Connection[Any], now: datetime) -> list[Silence]:
    """The silences not ended by `now` (what the engine checks findings against)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "select id, matchers, starts_at, ends_at, schedule, weekdays, from_time, to_time,"
            " comment from alert_silences where ends_at is null or ends_at > %s",
            (now,),
        ).fetchall()
    return [
        Silence(
            id=r["id"],
            matchers=r["matchers"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            schedule=SilenceSchedule(r["schedule"]),
            weekdays=tuple(r["weekdays"]),
            from_time=r["from_time"],
            to_time=r["to_time"],
            comment=r["comment"],
        )
        for r in rows
    ]
