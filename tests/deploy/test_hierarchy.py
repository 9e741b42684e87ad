"""三级联网: a province, its cities and counties in one deployment. A user sees exactly the
centres of their region's subtree on the console's home page, and the counts roll up by region
prefix (province = every centre, city = the city's centre and its counties, county = its own).

Indicators are rolled up from `events` through the home page's region-prefix query
(`store/repos/overview.center_summaries`): there is no indicators repository to check yet."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import console
from core.regions import in_scope
from store.repos import users
from tests.deploy.province import CENTRES, PEOPLE, seed_province

APP = Path(console.__file__).parent / "app.py"


@pytest.fixture
def province(db, conn, monkeypatch):
    seed_province(conn, db.url)
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", db.url)
    st.cache_resource.clear()  # the console's settings and pool are per process: this test's db
    yield
    st.cache_resource.clear()


def _home_page_as(conn, username: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["user"] = users.get(conn, username)
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize(("username", "region"), [(p[0], p[3]) for p in PEOPLE])
def test_each_user_sees_exactly_their_subtree_with_events_rolled_up(
    province, conn, username, region
):
    mine = [c for c in CENTRES if in_scope(region, c.region.code)]
    at = _home_page_as(conn, username)

    assert at.title[0].value == "总览"
    assert sorted(s.value for s in at.subheader) == sorted(c.name for c in mine)
    assert _metric(at, "服务中心") == str(len(mine))
    assert _metric(at, "今日事件") == str(sum(c.events_today for c in mine))


def test_the_three_levels_see_nested_slices_of_the_province(province, conn):
    seen = {
        username: {s.value for s in _home_page_as(conn, username).subheader}
        for username, *_ in PEOPLE
    }
    assert seen["xian"] == {"榆阳区政务服务中心"}
    assert seen["shi"] == {"榆林市政务服务中心", "榆阳区政务服务中心", "神木市政务服务中心"}
    assert seen["sheng"] == {c.name for c in CENTRES}
    assert seen["xian"] < seen["shi"] < seen["sheng"]
