"""责任追究 offers the complaints still waiting for accountability; a supervisor opens a case from
one and is shown it, with its origin; the action is in the audit log (streamlit AppTest, real
database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.repos import audit, users
from store.repos.accountability import cases as repo
from tests.accountability.origin_samples import complaint_events
from tests.fix_accountability import SHANGHAI

PAGES = Path(__file__).resolve().parents[2] / "console" / "app_pages"
FILED = datetime(2026, 10, 8, 10, tzinfo=SHANGHAI)


@pytest.fixture
def console_env(db, tmp_path, monkeypatch):
    monkeypatch.setenv("HALLWATCH_DATABASE_URL", db.url)
    monkeypatch.setenv("HALLWATCH_DATA_DIR", str(tmp_path / "var"))
    from console import services

    services.settings.clear()
    services.pool.clear()
    yield
    services.pool.clear()
    services.settings.clear()


def page_as(conn, username: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / "accountability.py"), default_timeout=60)
    at.session_state["user"] = users.get(conn, username)
    return at.run()


def test_a_supervisor_opens_a_case_from_a_waiting_complaint(
    console_env, conn, hall, writer, validator, projector
):
    complaint_events(
        writer, validator, "TS610802009", FILED, window="YY-ZW-W03", accepted=FILED + timedelta(1)
    )
    projector.catch_up(conn)
    at = page_as(conn, "supervisor")
    assert not at.exception
    box = next(s for s in at.selectbox if s.label.startswith("待处理投诉"))
    assert len(box.options) == 1 and box.options[0].startswith("TS610802009 · 公安局 · 服务态度")
    box.select_index(0).run()
    next(b for b in at.button if b.label == "从投诉立案").click().run()
    assert not at.exception, at.exception

    (case,) = repo.list_cases(conn, region_prefix=None)
    assert (case.origin_ref, case.subject_code) == ("complaint:TS610802009", "YY-ZW-W03")
    assert any(f"追责案件 #{case.id}" in s.value for s in at.success)
    assert any(m.value == "**来源**：群众投诉 TS610802009" for m in at.markdown)
    assert [a.subject for a in audit.recent(conn, action="accountability.from_complaint")] == [
        f"case:{case.id}"
    ]
    box = next(s for s in at.selectbox if s.label.startswith("待处理投诉"))
    assert box.options == []  # it has its case now


def test_a_liaison_is_offered_no_complaints_to_open(console_env, conn, hall):
    at = page_as(conn, "liaison")
    assert not at.exception
    assert not [s for s in at.selectbox if s.label.startswith("待处理投诉")]
