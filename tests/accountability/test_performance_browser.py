"""绩效统计 in a real browser for the simulated October: the new 在岗率, 进驻率 and 授权率 columns
next to the 办件 indicators, with the figures the indicators module computes."""

from __future__ import annotations

from accountability.indicators import Level, compute, month_period
from hallwatch.demo import DEMO_PASSWORD
from tests.fix_browser import login, screenshot, start_console

OCTOBER = month_period(2025, 10)


def test_a_leader_sees_seat_entry_and_authorisation_rates_by_department(october, page, tmp_path):
    conn, _ = october
    departments = compute(conn, Level.DEPARTMENT, OCTOBER, refresh=True)
    proc, url = start_console(conn.info.dsn, tmp_path / "var")
    try:
        login(page, url, "leader", DEMO_PASSWORD)
        page.get_by_role("link", name="绩效统计", exact=True).click()
        period = page.get_by_role("textbox", name="统计期")
        period.fill("2025-10")
        period.press("Enter")
        page.get_by_text("在岗与进驻授权").wait_for()
        page.get_by_text("2025年10月 · 按部门").wait_for()
        page.wait_for_timeout(2500)  # data frames render after the text
        table = page.locator("[data-testid='stDataFrame']").nth(1)
        table.wait_for()
        shot = screenshot(page, "performance_seat_and_catalogue")
        assert shot.stat().st_size > 10_000
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "在岗率 = 有人在座的开放分钟" in text
        # the data grid draws on a canvas; its accessible table carries headers and cells
        headers = table.locator("[role='columnheader']").all_inner_texts()
        for header in ("在岗率", "视频覆盖率", "进驻率", "审核权授权率", "审批权授权率"):
            assert any(header in h for h in headers), (header, headers)
        cells = table.locator("[role='gridcell']").all_inner_texts()
        for i in departments:
            for rate in (i.seat_rate, i.entry_rate, i.review_rate, i.approval_rate):
                assert f"{100 * rate:.2f}%" in cells, (i.key, rate, cells)
    finally:
        proc.terminate()
        proc.wait(10)
