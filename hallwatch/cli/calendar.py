"""`hallwatch calendar load|day|add-days|override`.

`day` and `add-days` answer from the built-in national calendar (`official_calendar()`, no
database needed) unless `--region` asks for a region's calendar as stored in the database.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from core.calendar import (
    FIRST_OFFICIAL_YEAR,
    Override,
    WorkingCalendar,
    newest_official_year,
    official_calendar,
    seed_days,
)
from core.regions import region_prefix
from hallwatch.cli.common import DataDir, database, settings
from store.migrate import migrate
from store.repos import audit
from store.repos import calendar as calendar_repo

app = typer.Typer(
    help="工作日历: the working calendar (法定节假日, 调休, local overrides)", no_args_is_help=True
)

Region = typer.Option(None, "--region", help="行政区划代码: use this region's stored calendar")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-10-10") from None


def _region(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        region_prefix(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return text


def _calendar(day: date, region: str | None, data_dir: Path | None) -> WorkingCalendar:
    if region is not None:
        db = database(settings(data_dir))
        with db.connect() as conn:
            try:
                return calendar_repo.load_calendar(conn, region)
            except calendar_repo.CalendarNotLoaded as exc:
                typer.secho(str(exc), fg="red", err=True)
                raise typer.Exit(2) from None
    cal = official_calendar()
    if cal.first_day <= day <= cal.last_day:
        return cal
    return WorkingCalendar(seed_days([day.year]))  # outside the built-in range: that year alone


@app.command("load")
def load(
    from_year: int = typer.Option(FIRST_OFFICIAL_YEAR, help="first year to load"),
    to_year: int | None = typer.Option(None, help="last year to load (default: this year + 2)"),
    data_dir: Path | None = DataDir,
) -> None:
    """Load the national calendar into the database (idempotent)."""
    last = to_year if to_year is not None else date.today().year + 2
    if last < from_year:
        raise typer.BadParameter("--to-year is before --from-year")
    db = database(settings(data_dir))
    migrate(db.url)
    with db.connect(autocommit=True) as conn:
        result = calendar_repo.load_official(conn, range(from_year, last + 1), actor="cli")
        audit.write(
            conn,
            "cli",
            "calendar.load",
            f"{from_year}-{last}",
            version=result.version,
            changed=result.changed,
        )
    typer.echo(
        f"loaded {result.days} days of {from_year}–{last} (official through "
        f"{newest_official_year()}, later years provisional); {result.changed} changed; "
        f"version {result.version}"
    )


@app.command("day")
def day_command(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    region: str | None = Region,
    data_dir: Path | None = DataDir,
) -> None:
    """Print `working` or `rest`, then `provisional` if the year has no official notice yet."""
    d = _date(day)
    info = _calendar(d, _region(region), data_dir).day_info(d)
    words = ["working" if info.working else "rest"] + (["provisional"] if info.provisional else [])
    typer.echo(" ".join(words))


@app.command("add-days", context_settings={"ignore_unknown_options": True})
def add_days_command(
    day: str = typer.Argument(..., help="YYYY-MM-DD, the starting day (not counted, 民法典 §201)"),
    n: int = typer.Argument(..., help="working days to add (negative: count backwards)"),
    region: str | None = Region,
    data_dir: Path | None = DataDir,
) -> None:
    """Print the n-th working day after DAY (ISO date)."""
    d = _date(day)
    typer.echo(_calendar(d, _region(region), data_dir).add_working_days(d, n).isoformat())


@app.command("override")
def override_command(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    region: str = typer.Option(..., help="行政区划代码 whose subtree it covers"),
    working: bool = typer.Option(..., "--working/--rest", help="open or closed that day"),
    name: str | None = typer.Option(None, help="e.g. 台风停工"),
    data_dir: Path | None = DataDir,
) -> None:
    """Record a local decision for one day (a local holiday, a typhoon closure)."""
    override = Override(_date(day), working, name, _region(region) or "")
    db = database(settings(data_dir))
    migrate(db.url)
    with db.connect(autocommit=True) as conn:
        version = calendar_repo.add_override(conn, override, actor="cli")
        audit.write(
            conn,
            "cli",
            "calendar.override",
            override.day.isoformat(),
            override.region_code,
            working=working,
            name=name,
            version=version,
        )
    state = "working" if working else "rest"
    typer.echo(f"{override.day.isoformat()} {state} in {override.region_code}; version {version}")
