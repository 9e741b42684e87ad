"""The working calendar in the database (migration 0010): national days seeded from
`core.calendar.seed_days`, local overrides per region, and the `calendar_versions` log.

`calendar_versions` records every load and override (who, what, how many days changed). What a
clock depends on is the content of the calendar, so recompute open clocks when
`load_calendar(...).version` (a hash of the content) changes, not when the log grows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, scalar_row
from psycopg.types.json import Jsonb

from core.calendar import DayInfo, DaySource, Override, WorkingCalendar, seed_days
from core.regions import region_prefix


class CalendarNotLoaded(LookupError):
    """The database holds no national calendar yet (`hallwatch calendar load` fixes it)."""


@dataclass(frozen=True)
class LoadResult:
    version: int  # the calendar_versions row of this load
    days: int  # national days offered
    changed: int  # rows inserted or changed (national overrides are left alone)


@dataclass(frozen=True)
class _DayRow:
    region_code: str
    day: date
    working: bool
    provisional: bool
    name: str | None
    source: str


def _log(conn: Connection[Any], action: str, region_code: str, actor: str, **detail: Any) -> int:
    with conn.cursor(row_factory=scalar_row) as cur:
        version = cur.execute(
            "insert into calendar_versions (action, region_code, actor, detail)"
            " values (%s, %s, %s, %s) returning version",
            (action, region_code, actor, Jsonb(detail)),
        ).fetchone()
    assert version is not None
    return int(version)


def _note_changed(conn: Connection[Any], version: int, changed: int) -> None:
    conn.execute(
        "update calendar_versions set detail = detail || jsonb_build_object('changed', %s::int)"
        " where version = %s",
        (changed, version),
    )


_UPSERT_NATIONAL = """
insert into calendar_days (region_code, day, working, provisional, name, source, version)
select '', day, working, provisional, name, source, %(version)s from calendar_load
on conflict (region_code, day) do update
   set working = excluded.working, provisional = excluded.provisional, name = excluded.name,
       source = excluded.source, version = excluded.version
 where calendar_days.source <> 'local'
   and (calendar_days.working, calendar_days.provisional, calendar_days.name,
        calendar_days.source)
       is distinct from (excluded.working, excluded.provisional, excluded.name, excluded.source)
"""


def _upsert_national(conn: Connection[Any], days: list[DayInfo], version: int) -> int:
    conn.execute(
        "create temp table if not exists calendar_load (day date, working boolean,"
        " provisional boolean, name text, source text) on commit drop"
    )
    conn.execute("truncate calendar_load")
    with conn.cursor() as cur:
        with cur.copy(
            "copy calendar_load (day, working, provisional, name, source) from stdin"
        ) as copy:
            for d in days:
                copy.write_row((d.day, d.working, d.provisional, d.name, d.source.value))
        cur.execute(_UPSERT_NATIONAL, {"version": version})
        return cur.rowcount


def load_official(conn: Connection[Any], years: Iterable[int], actor: str = "system") -> LoadResult:
    """Upsert every day of `years` from the package's official data (provisional where the
    year has no notice). Idempotent: unchanged days keep their version."""
    days = seed_days(years)
    if not days:
        raise ValueError("years: give at least one year to load")
    with conn.transaction():
        first, last = days[0].day.year, days[-1].day.year
        version = _log(conn, "load_official", "", actor, first_year=first, last_year=last)
        changed = _upsert_national(conn, days, version)
        _note_changed(conn, version, changed)
    return LoadResult(version, len(days), changed)


def add_override(conn: Connection[Any], override: Override, actor: str = "system") -> int:
    """Record a local decision for one day (region '' = national); returns its version."""
    with conn.transaction():
        version = _log(
            conn,
            "override",
            override.region_code,
            actor,
            day=override.day.isoformat(),
            working=override.working,
            name=override.name,
        )
        conn.execute(
            "insert into calendar_days (region_code, day, working, provisional, name, source,"
            " version) values (%s, %s, %s, false, %s, 'local', %s)"
            " on conflict (region_code, day) do update set working = excluded.working,"
            " provisional = false, name = excluded.name, source = 'local',"
            " version = excluded.version",
            (override.region_code, override.day, override.working, override.name, version),
        )
    return version


def remove_override(
    conn: Connection[Any], day: date, region_code: str, actor: str = "system"
) -> bool:
    """Undo an override; a national one is replaced by the official day again. False if there
    was no override for that day and region."""
    region_prefix(region_code)  # validates
    with conn.transaction():
        found = conn.execute(
            "select 1 from calendar_days where region_code = %s and day = %s and source = 'local'",
            (region_code, day),
        ).fetchone()
        if found is None:
            return False
        version = _log(conn, "remove_override", region_code, actor, day=day.isoformat())
        conn.execute(
            "delete from calendar_days where region_code = %s and day = %s", (region_code, day)
        )
        if region_code == "":
            official = [d for d in seed_days([day.year]) if d.day == day]
            _upsert_national(conn, official, version)
    return True


def _rows(conn: Connection[Any]) -> list[_DayRow]:
    with conn.cursor(row_factory=class_row(_DayRow)) as cur:
        return cur.execute(
            "select region_code, day, working, provisional, name, source from calendar_days"
            " order by version, day"
        ).fetchall()


def load_calendar(conn: Connection[Any], region_code: str = "") -> WorkingCalendar:
    """The calendar as seen from `region_code`: national days plus every override (so
    `for_region` works on the result too); the ones covering `region_code` apply."""
    region_prefix(region_code)  # validates
    national: list[DayInfo] = []
    overrides: list[Override] = []
    for r in _rows(conn):
        if r.region_code == "":
            national.append(DayInfo(r.day, r.working, r.provisional, r.name, DaySource(r.source)))
        else:
            overrides.append(Override(r.day, r.working, r.name, r.region_code))
    if not national:
        raise CalendarNotLoaded("no national calendar loaded: run `hallwatch calendar load`")
    return WorkingCalendar(national, overrides, region_code)


def overrides(conn: Connection[Any]) -> list[Override]:
    """Every local override (national ones included), oldest first."""
    with conn.cursor(row_factory=class_row(_DayRow)) as cur:
        rows = cur.execute(
            "select region_code, day, working, provisional, name, source from calendar_days"
            " where source = 'local' order by version, day"
        ).fetchall()
    return [Override(r.day, r.working, r.name, r.region_code) for r in rows]


def latest_version(conn: Connection[Any]) -> int | None:
    """The newest calendar_versions entry, or None before the first load."""
    with conn.cursor(row_factory=scalar_row) as cur:
        row = cur.execute("select max(version) from calendar_versions").fetchone()
    return None if row is None else int(row)
