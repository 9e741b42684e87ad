"""The monthly bulletin of the simulated October: made automatically once on the first working
day of November, remade on demand, a PDF with the ranking, charts, cards and measures."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from accountability.bulletin import make, run_due
from accountability.indicators import compute, month_period, parse_period
from accountability.issuing import issue
from accountability.monthly import month_of
from accountability.origins import open_from_alert
from accountability.service import Actor
from store.repos import users
from tests.fix_browser import ARTIFACTS

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = month_period(2025, 10)
NOV_3 = datetime(2025, 11, 3, 8, 0, tzinfo=TZ)  # Monday: Nov 1-2 2025 is a weekend


def issue_on_a_red(conn, at: datetime, storage, render: bool = True):
    """The supervisor opens a case on a red alert not handled yet and issues its notice half an
    hour later; returns both."""
    supervisor = Actor.of(users.get(conn, "supervisor"))
    red = conn.execute(
        "select id from alerts a where level = 'red' and case_no is not null and not exists"
        " (select 1 from accountability_cases c where c.origin_ref = 'alert:' || a.id)"
        " order by id limit 1"
    ).fetchone()
    case = open_from_alert(conn, red["id"], supervisor, at)
    notice = issue(conn, case.id, supervisor, at + timedelta(minutes=30), storage, render=render)
    return case, notice


def test_the_month_ranks_every_department_with_the_published_model(october):
    conn, data = october
    month = month_of(conn, data.halls[0].center.code, OCTOBER, refresh=True)
    assert month.model.name == "published"
    assert month.ranking[0].score.rank == 1
    assert {r.department for r in month.ranking} == {d.name for d in data.halls[0].departments}
    assert sum(r.red for r in month.ranking) > 0  # the planted overdue cases turned red
    for r in month.ranking:
        assert (
            r.score.total
            == 100
            - r.score.warning_deduction
            - r.score.yellow_deduction
            - (r.score.red_deduction)
            + r.score.early_bonus
            - r.score.completeness_deduction
        )


def test_the_bulletin_is_made_once_on_the_first_working_day_and_again_on_demand(october, tmp_path):
    from accountability.files import Storage

    conn, data = october
    center = data.halls[0].center.code
    storage = Storage(tmp_path / "var")
    case, _ = issue_on_a_red(conn, datetime(2025, 10, 28, 10, tzinfo=TZ), storage, render=False)

    assert run_due(conn, storage, NOV_3.replace(day=4)) == []  # not the first working day
    [auto] = run_due(conn, storage, NOV_3)
    assert auto.status == "done" and auto.requested_by == "system"
    assert run_due(conn, storage, NOV_3) == []  # once only
    again = make(conn, center, OCTOBER, storage, NOV_3, "leader")
    assert again.id == auto.id and again.requested_by == "leader"
    assert again.summary["measures"] == 1 and again.summary["red"] > 0

    text = subprocess.run(
        ["pdftotext", again.pdf_path, "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "关于2025年10月政务服务效能监察情况的通报" in flat
    assert "2025年第10期" in flat
    for dep in data.halls[0].departments:
        assert dep.name in flat
    assert "红牌" in flat and "督办通知书" not in flat  # a measure row shows the 文号 instead
    month = month_of(conn, center, OCTOBER)
    for label, rate in (
        ("在岗率", month.centre.seat_rate),
        ("进驻率", month.centre.entry_rate),
        ("审核权授权率", month.centre.review_rate),
        ("审批权授权率", month.centre.approval_rate),
    ):
        assert label in flat and f"{100 * rate:.2f}%" in flat, label
    assert f"窗口在岗率{100 * month.centre.seat_rate:.2f}%" in flat
    assert case.title in flat
    info = subprocess.run(["pdfinfo", again.pdf_path], capture_output=True, text=True).stdout
    assert "(A4)" in info
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", again.pdf_path, str(ARTIFACTS / "bulletin")], check=True
    )


def test_the_cli_prints_the_indicators_and_makes_the_bulletin(october, tmp_path):
    from typer.testing import CliRunner

    from accountability.files import Storage
    from hallwatch.cli import _register, app

    conn, data = october
    _register()
    env = {"HALLWATCH_DATABASE_URL": conn.info.dsn, "HALLWATCH_DATA_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    out = runner.invoke(app, ["reports", "indicators", "--period", "2025-10"], env=env)
    assert out.exit_code == 0, out.output
    header, *lines = [line.split("\t") for line in out.output.splitlines()]
    printed = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    for i in compute(conn, "department", parse_period("2025-10")):
        row = printed[i.key]
        assert row["受理"] == str(i.accepted) and row["超时"] == str(i.late)
        assert row["按时办结率"] == f"{100 * i.on_time_rate:.2f}%"
        assert row["在岗率"] == f"{100 * i.seat_rate:.2f}%"  # the video's, beside the 办件 ones
        assert row["进驻率"] == f"{100 * i.entry_rate:.2f}%"
        assert row["审批权授权率"] == f"{100 * i.approval_rate:.2f}%"
    assert data.halls[0].departments[0].code in printed
    out = runner.invoke(app, ["reports", "bulletin", "--month", "2025-10"], env=env)
    assert out.exit_code == 0, out.output
    assert "2025年10月" in out.output and ".pdf" in out.output
    at = datetime(2025, 10, 29, 10, tzinfo=TZ)
    _, notice = issue_on_a_red(conn, at, Storage(tmp_path / "var"))
    out = runner.invoke(app, ["notices", "list"], env=env)
    assert out.exit_code == 0
    listed = {line.split("\t")[1] for line in out.output.splitlines()}
    assert notice.doc_number in listed and "〔" in notice.doc_number


def test_the_pages_render_for_a_leader_with_a_months_numbers(october, monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    conn, _ = october
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", conn.info.dsn)
    monkeypatch.setenv("HALLWATCH_DATA_DIR", str(tmp_path / "var"))
    leader = users.get(conn, "leader")
    pages = Path(__file__).resolve().parents[2] / "console" / "app_pages"

    at = AppTest.from_file(str(pages / "performance.py"), default_timeout=120)
    at.session_state["user"] = leader
    at.run()
    at.text_input[0].set_value("2025-10").run()
    assert not at.exception
    assert "考核得分与排名" in [s.value for s in at.subheader]
    for page in ("bulletins.py", "accountability.py"):
        at = AppTest.from_file(str(pages / page), default_timeout=120)
        at.session_state["user"] = leader
        at.run()
        assert not at.exception, page
