"""总览 for a supervisor: the day so far of their centre, from events sent through ingest, the
projector and the alert engine — 办件 accepted and completed today, the overdue one, the
ticket still waiting, today's complaint and bad rating, and the red alert it needs to look at."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import console
from store.repos import users
from tests.fix_alerts import drain, engine_at
from tests.fix_ingest import submit
from tests.ingest import factory as f

APP = Path(console.__file__).parent / "app.py"  # the home page is its default page


@pytest.fixture
def console_db(db, monkeypatch):
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", db.url)
    st.cache_resource.clear()  # the console's settings and pool are per process: this test's db
    yield
    st.cache_resource.clear()


def _today(k: int) -> datetime:
    """The k-th of ten instants between today's midnight (China time) and now."""
    now = datetime.now(f.CST)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + (now - midnight) * k / 10


def test_the_home_page_shows_the_centres_day(
    console_db, hall, conn, writer, validator, projector, alert_pool
):
    old = datetime.now(f.CST) - timedelta(days=40)
    events = [
        f.applied("C1", _today(1)),
        f.accepted("C1", _today(2)),
        f.completed("C1", _today(3)),
        f.applied("C2", old),
        f.accepted("C2", old + timedelta(minutes=5), promised=1),  # long overdue, still open
        f.ticket("issued", _today(4), "A001"),
        f.ticket("called", _today(5), "A001"),
        f.ticket("issued", _today(6), "A002"),  # still waiting
        f.complaint("filed", _today(7)),
        f.rating("C1", _today(8), score=1),
        f.rating("C1", _today(9), score=5),  # 非常不满意
    ]
    assert submit(writer, validator, events).accepted == len(events)
    projector.catch_up(conn)
    drain(engine_at(alert_pool))

    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["user"] = users.get(conn, "supervisor")
    at.run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["今日受理"] == "1" and metrics["今日办结"] == "1"
    assert metrics["在办超期"] == "1"
    assert metrics["排队等候"] == "1"
    assert metrics["今日投诉 / 差评"] == "1 / 1"
    assert int(metrics["红牌"]) >= 1  # C2's promised deadline
    [table] = at.dataframe
    assert "承诺时限" in set(table.value["规则"])
    assert any("C2" in s for s in table.value["摘要"])
