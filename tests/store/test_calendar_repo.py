"""The working calendar in PostgreSQL (migration 0010, store/repos/calendar.py) and the
`hallwatch calendar` commands."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from core.calendar import DaySource, Override, WorkingCalendar, seed_days
from hallwatch.cli.calendar import app
from store.repos import calendar as repo

TYPHOON = date(2026, 7, 1)  # a Wednesday


def test_loading_the_official_calendar_reproduces_the_built_in_one(conn):
    result = repo.load_official(conn, range(2024, 2028))
    assert (result.days, result.changed) == (366 + 365 * 3, 366 + 365 * 3)
    stored = repo.load_calendar(conn)
    assert stored.version == WorkingCalendar(seed_days(range(2024, 2028))).version
    assert stored.add_working_days(date(2026, 2, 13), 20) == date(2026, 3, 19)
    assert stored.day_info(date(2026, 10, 10)).working


def test_loading_again_changes_no_day_but_is_logged(conn):
    first = repo.load_official(conn, [2026])
    again = repo.load_official(conn, [2026])
    assert again.changed == 0 and again.version > first.version
    assert repo.latest_version(conn) == again.version
    versions = conn.execute("select distinct version from calendar_days").fetchall()
    assert versions == [{"version": first.version}]
    log = conn.execute("select action, actor, detail from calendar_versions order by version")
    assert [r["detail"]["changed"] for r in log.fetchall()] == [365, 0]


def test_a_year_without_a_notice_is_stored_as_provisional(conn):
    repo.load_official(conn, [2027])
    row = conn.execute(
        "select bool_and(provisional) p, min(source) s from calendar_days where region_code = ''"
    ).fetchone()
    assert row == {"p": True, "s": "rule"}


def test_a_county_override_applies_to_the_county_and_not_its_neighbours(conn):
    repo.load_official(conn, [2026])
    repo.add_override(conn, Override(TYPHOON, False, "台风停工", "610802"), actor="张监察")
    county = repo.load_calendar(conn, "610802")
    assert not county.is_working_day(TYPHOON)
    info = county.day_info(TYPHOON)
    assert (info.name, info.source) == ("台风停工", DaySource.LOCAL)
    assert repo.load_calendar(conn, "610803").is_working_day(TYPHOON)
    assert repo.load_calendar(conn).is_working_day(TYPHOON)
    assert county.for_region("610803").is_working_day(TYPHOON)


def test_a_city_override_covers_its_counties_and_a_county_can_overrule_it(conn):
    repo.load_official(conn, [2026])
    repo.add_override(conn, Override(TYPHOON, False, "台风停工", "610800"))
    repo.add_override(conn, Override(TYPHOON, True, "照常办公", "610802"))
    assert not repo.load_calendar(conn, "610803").is_working_day(TYPHOON)
    assert repo.load_calendar(conn, "610802").is_working_day(TYPHOON)
    assert repo.load_calendar(conn, "610000").is_working_day(TYPHOON)


def test_an_override_changes_the_content_version_and_removing_it_restores_it(conn):
    repo.load_official(conn, [2026])
    before = repo.load_calendar(conn, "610802").version
    repo.add_override(conn, Override(TYPHOON, False, "台风停工", "610802"))
    assert repo.load_calendar(conn, "610802").version != before
    assert repo.remove_override(conn, TYPHOON, "610802")
    assert repo.load_calendar(conn, "610802").version == before
    assert not repo.remove_override(conn, TYPHOON, "610802")


def test_a_national_override_survives_reloading_until_removed(conn):
    repo.load_official(conn, [2026])
    repo.add_override(conn, Override(TYPHOON, False, "全国停工"))
    assert repo.load_official(conn, [2026]).changed == 0
    assert not repo.load_calendar(conn, "610802").is_working_day(TYPHOON)
    assert repo.overrides(conn) == [Override(TYPHOON, False, "全国停工", "")]
    assert repo.remove_override(conn, TYPHOON, "")
    info = repo.load_calendar(conn).day_info(TYPHOON)
    assert (info.working, info.source) == (True, DaySource.OFFICIAL)


def test_reading_a_calendar_before_loading_one_says_what_to_do(conn):
    with pytest.raises(repo.CalendarNotLoaded, match="calendar load"):
        repo.load_calendar(conn)
    assert repo.latest_version(conn) is None


def test_the_database_refuses_a_malformed_region_or_a_local_source_on_national_days(conn):
    import psycopg

    repo.load_official(conn, [2026])
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("update calendar_days set region_code = '6108' where day = '2026-07-01'")
    with pytest.raises(ValueError):
        Override(TYPHOON, False, "x", "6108")


# ---------------------------------------------------------------- the command line

runner = CliRunner()


@pytest.mark.parametrize(
    ("day", "output"),
    [
        ("2026-10-10", "working"),  # make-up Saturday
        ("2026-10-01", "rest"),
        ("2026-10-11", "rest"),
        ("2027-03-01", "working provisional"),
        ("2027-02-08", "rest provisional"),
        ("1995-10-02", "rest provisional"),
    ],
)
def test_cli_day_answers_without_a_database(day, output, monkeypatch):
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["day", day])
    assert result.exit_code == 0, result.output
    assert result.output == output + "\n"


def test_cli_add_days_prints_an_iso_date_and_counts_backwards_too():
    assert runner.invoke(app, ["add-days", "2026-02-13", "20"]).output == "2026-03-19\n"
    assert runner.invoke(app, ["add-days", "2026-09-30", "10"]).output == "2026-10-20\n"
    assert runner.invoke(app, ["add-days", "2026-10-08", "-1"]).output == "2026-09-30\n"


def test_cli_refuses_a_date_that_is_not_iso():
    result = runner.invoke(app, ["day", "10/10/2026"])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_cli_load_and_override_write_the_database_and_day_reads_a_region_back(db, conn, tmp_path):
    env = {"HALLWATCH_DATABASE_URL": db.url, "HALLWATCH_DATA_DIR": str(tmp_path)}
    loaded = runner.invoke(app, ["load", "--from-year", "2026", "--to-year", "2027"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "loaded 730 days" in loaded.output
    args = ["override", "2026-07-01", "--region", "610800", "--rest", "--name", "台风停工"]
    overridden = runner.invoke(app, args, env=env)
    assert overridden.exit_code == 0, overridden.output
    assert runner.invoke(app, ["day", "2026-07-01", "--region", "610802"], env=env).output == (
        "rest\n"
    )
    assert runner.invoke(app, ["day", "2026-07-01"], env=env).output == "working\n"
    actions = conn.execute("select action from audit_log order by id").fetchall()
    assert [a["action"] for a in actions] == ["calendar.load", "calendar.override"]
