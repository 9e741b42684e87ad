"""In a real browser: the liaison sees only their department's notices and uploads the 整改
report; the supervisor verifies it and closes the case."""

from __future__ import annotations

import pytest

from accountability.issuing import issue
from store.repos.accountability import cases as repo
from tests.fix_accountability import NOW
from tests.fix_browser import login, screenshot
from tests.fix_people import PASSWORD

pytestmark = pytest.mark.browser


def open_page(page, url: str, user: str) -> None:
    login(page, url, user, PASSWORD)
    page.get_by_role("link", name="责任追究", exact=True).click()
    page.get_by_role("heading", name="责任追究").wait_for()


def test_a_liaison_replies_to_their_notice_and_the_supervisor_closes_the_case(
    browser, conn, actors, storage, open_staff_case, console_url, tmp_path
):
    ours = open_staff_case(staff_id="YY-ZW-W01-A")  # 市场监管局: the liaison's department
    theirs = open_staff_case(staff_id="YY-ZW-W03-A")  # 公安局
    mine = issue(conn, ours.id, actors["supervisor"], NOW, storage, render=False)
    other = issue(conn, theirs.id, actors["supervisor"], NOW, storage, render=False)

    liaison = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = liaison.new_page()
    page.set_default_timeout(30_000)
    open_page(page, console_url, "liaison")
    page.get_by_text(mine.doc_number).first.wait_for()
    assert page.get_by_text(other.doc_number).count() == 0
    report = tmp_path / "整改报告.txt"
    report.write_text("已于当日办结，责任人作书面检查。", encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(report))
    page.get_by_role("button", name="上传整改报告").click()
    page.get_by_text("上传整改报告成功").wait_for()
    screenshot(page, "accountability-liaison-replied")
    liaison.close()
    assert repo.get_case(conn, ours.id).state == "replied"

    supervisor = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = supervisor.new_page()
    page.set_default_timeout(30_000)
    open_page(page, console_url, "supervisor")
    page.get_by_text(other.doc_number).first.wait_for()  # the supervisor sees every department
    page.get_by_text("整改报告（1）").wait_for()  # the replied case comes first
    page.get_by_role("button", name="核实办结").click()
    page.get_by_text("核实办结成功").wait_for()
    screenshot(page, "accountability-supervisor-closed")
    supervisor.close()
    assert repo.get_case(conn, ours.id).state == "closed"
    assert repo.get_case(conn, theirs.id).state == "awaiting_reply"
