"""三级联网: a province, its cities and counties in one deployment. A user sees exactly the
centres of their region's subtree on the console's home page, with today's events rolled up by
region prefix (province = every centre, city = the city's centre and its counties, county = its
own); the indicators (accountability/indicators.py over `indicator_daily`) roll up the same
way from the cases the projector folded."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import console
from accountability.indicators import Level, Period, compute
from core.regions import in_scope, region_prefix
from store.repos import users
from tests.deploy.province import CASE_DAY, CENTRES, PEOPLE, seed_province

APP = Path(console.__file__).parent / "app.py"
CARDS = 4  # console/app_pages/home.py shows up to this many centres as cards


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


def test_province_city_and_county_users_each_see_exactly_their_subtree_rolled_up(province, conn):
    seen = {}
    for username, _, _, region in PEOPLE:
        mine = [c for c in CENTRES if in_scope(region, c.region.code)]
        at = _home_page_as(conn, username)
        assert at.title[0].value == "总览"
        if len(mine) > CARDS:  # a province: one row per centre
            seen[username] = set(at.dataframe[0].value["中心"])
        else:  # a card per centre
            seen[username] = {s.value for s in at.subheader}
        assert seen[username] == {c.name for c in mine}, username
        if len(mine) > 1:  # the roll-up over the centres
            assert _metric(at, "服务中心") == str(len(mine)), username
            assert _metric(at, "今日事件") == str(sum(c.events_today for c in mine)), username
        else:  # one centre: its own card says it
            assert any(f"今日事件 {mine[0].events_today} " in c.value for c in at.caption)

    assert seen["xian"] == {"榆阳区政务服务中心"}  # a county supervisor sees only the county
    assert seen["shi"] == {"榆林市政务服务中心", "榆阳区政务服务中心", "神木市政务服务中心"}
    assert seen["sheng"] == {c.name for c in CENTRES}
    assert seen["xian"] < seen["shi"] < seen["sheng"]


def test_indicators_roll_up_by_region_prefix_at_every_level(province, conn):
    day = Period("day", CASE_DAY, CASE_DAY + timedelta(days=1))
    for _, _, _, region in PEOPLE:
        mine = [c for c in CENTRES if in_scope(region, c.region.code)]
        prefix = region_prefix(region)
        by_centre = compute(conn, Level.CENTER, day, region_prefix=prefix, refresh=True)
        assert {i.sums.key: i.sums.acc_n for i in by_centre} == {c.code: c.cases for c in mine}
        by_region = compute(conn, Level.REGION, day, region_prefix=prefix)
        assert sum(i.sums.acc_n for i in by_region) == sum(c.cases for c in mine)
        assert sum(i.sums.comp_n for i in by_region) == sum(c.cases for c in mine)
