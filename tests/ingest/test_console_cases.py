"""办件监控 (console page) with Streamlit's AppTest: search, a case's clocks and timeline,
and a liaison limited to their own department."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import console
from core.enums import Role
from store.repos import cases
from store.repos.users import User
from tests.fix_ingest import submit
from tests.ingest import factory as f

APP = Path(console.__file__).parent / "app.py"


def _user(role: Role, department: str | None = None) -> User:
    return User(1, role.value, "测试", role, f.REGION, department, True)


@pytest.fixture
def console_db(db, conn, writer, validator, projector, monkeypatch):
    events = f.case_life("C1") + f.case_life("C2")[:2] + [f.special("C2", f.at(16, 10), True)]
    submit(writer, validator, events)
    projector.catch_up(conn)
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", db.url)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def _cases_page(user: User, case: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["user"] = user
    if case:
        at.query_params["case"] = case
    at.run()
    at.switch_page("app_pages/cases.py").run()
    assert not at.exception, at.exception
    return at


def test_a_supervisor_finds_cases_and_sees_a_case_with_its_clocks_and_timeline(console_db):
    at = _cases_page(_user(Role.SUPERVISOR), case="C2")
    assert at.title[0].value == "办件监控"
    frames = [d.value for d in at.dataframe]
    assert list(frames[0]["办件编号"]) == ["C2"]
    assert {m.label: m.value for m in at.metric}["状态"] == "特别程序"
    clocks = frames[1]
    assert set(clocks["时限"]) == {"承诺时限", "法定时限", "补正告知(5个工作日)"}
    assert "暂停(不计时)" in set(clocks["状态"])
    assert list(frames[2]["事件"]) == ["提交申请", "窗口受理", "特别程序开始"]


def test_a_liaison_of_another_department_sees_none_of_them(console_db):
    at = _cases_page(_user(Role.LIAISON, department="YY-ZW-GA"), case="C1")
    assert len(at.dataframe[0].value) == 0
    assert any("不在您的管辖范围" in w.value for w in at.warning)


def test_the_search_counts_every_match_beyond_the_ones_listed(console_db, conn):
    now = datetime.now(UTC)
    first = cases.CaseSearch(region_prefix=f.REGION, limit=1)
    assert len(cases.search_cases(conn, first, now)) == 1
    assert cases.count_cases(conn, first, now) == 2
    special = cases.CaseSearch(region_prefix=f.REGION, statuses=("suspended",))
    assert [c.case_no for c in cases.search_cases(conn, special, now)] == ["C2"]
    assert cases.count_cases(conn, special, now) == 1
