"""The live board in a real Chromium: a supervisor acknowledges and dismisses an alert and sees
its history; both actions are in the audit log."""

from __future__ import annotations

import pytest

from alerts.findings import Finding, Place, Rule
from core.enums import AlertLevel
from store.repos import audit
from store.repos.alerts import records
from tests.fix_alerts import at
from tests.fix_browser import login, screenshot
from tests.fix_people import PASSWORD

pytestmark = pytest.mark.browser


def test_a_supervisor_acknowledges_and_dismisses_an_alert_and_sees_the_history(
    page, console_url, conn
):
    f = Finding(
        Rule.WINDOW_EMPTY, "YY-ZW-W01", Place("610802", "YY-ZW", "YY-ZW-SCJG", "YY-ZW-W01"),
        AlertLevel.YELLOW, at("2025-09-16 10:00"), "窗口空岗 20 分钟：YY-ZW-W01", {"minutes": 20},
    )  # fmt: skip
    alert_id = records.apply_finding(conn, f).alert_id
    login(page, console_url, "supervisor", PASSWORD)
    page.get_by_role("heading", name="总览").wait_for()
    page.get_by_role("link", name="实时告警").click()
    page.get_by_role("heading", name="实时告警").wait_for()
    page.get_by_text("窗口空岗 20 分钟：YY-ZW-W01").first.wait_for()
    page.get_by_role("button", name="确认", exact=True).click()
    page.get_by_role("cell", name="已确认", exact=True).wait_for()  # the history row
    page.get_by_label("说明（必填）").fill("人员外出参加培训，已报备")
    page.get_by_role("button", name="驳回", exact=True).click()
    page.get_by_role("cell", name="已驳回", exact=True).wait_for()
    screenshot(page, "alerts-board-history")
    history = records.history(conn, alert_id)
    assert [(h.action, h.actor) for h in history] == [
        ("raise", "system"),
        ("acknowledge", "supervisor"),
        ("dismiss", "supervisor"),
    ]
    assert history[-1].reason == "人员外出参加培训，已报备"
    assert records.get(conn, alert_id).status == "dismissed"
    actions = [e.action for e in audit.recent(conn, actor="supervisor")]
    assert "alert.acknowledge" in actions and "alert.dismiss" in actions
