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
    page.get_by_role("link", name="实时告警", exact=True).click()
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


def test_a_supervisor_opens_an_accountability_case_from_an_alert_and_lands_on_it(
    page, console_url, conn
):
    f = Finding(
        Rule.FEE_OFF_STANDARD, "YY-ZW-C9", Place("610802", "YY-ZW", "YY-ZW-SCJG", "YY-ZW-W02"),
        AlertLevel.RED, at("2025-09-16 10:05"), "收费与标准不符：YY-ZW-C9",
        {"standard": "20.00", "charged": "40.00"}, case_no="YY-ZW-C9",
    )  # fmt: skip
    alert_id = records.apply_finding(conn, f).alert_id
    login(page, console_url, "supervisor", PASSWORD)
    page.get_by_role("link", name="实时告警", exact=True).click()
    page.get_by_text("收费与标准不符：YY-ZW-C9").first.wait_for()
    page.get_by_role("button", name="立案追责").click()
    page.get_by_role("heading", name="责任追究").wait_for()
    page.get_by_text(f"已从告警 #{alert_id} 立案").wait_for()
    screenshot(page, "alerts-board-case-opened")
    [case] = conn.execute(
        "select id from accountability_cases where origin_ref = %s", (f"alert:{alert_id}",)
    ).fetchall()
    assert any(
        e.action == "accountability.from_alert" and e.subject == f"case:{case['id']}"
        for e in audit.recent(conn, actor="supervisor")
    )
