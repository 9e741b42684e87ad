"""In a real browser: an inspector's patrol finding (with its snapshot) is on 视频巡查; the
supervisor clicks 立案追责, lands on the case in 责任追究 with the finding as its origin and the
snapshot shown, issues the 督办通知书 and downloads it: the PDF's evidence appendix holds the
snapshot. Back on 视频巡查 the finding links to its case instead of offering a second one."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from hallwatch.console_proc import free_port
from store.repos import audit
from store.repos.accountability import cases as repo
from tests.accountability.origin_samples import finding, snapshot
from tests.fix_browser import login, screenshot, start_console
from tests.fix_people import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def console(db, hall, tmp_path):
    """The console on this test's database; the video service it would call is not running
    (a free port: the snapshot wall shows its warning, nothing else needs it)."""
    proc, url = start_console(db.url, tmp_path / "var", HALLWATCH_VIDEO_PORT=str(free_port()))
    yield url
    proc.terminate()
    proc.wait(10)


def pdf(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_a_supervisor_opens_a_case_from_a_finding_and_its_notice_shows_the_snapshot(
    browser, conn, console, tmp_path
):
    found = datetime.now(UTC) - timedelta(hours=2)
    shot = snapshot(conn, tmp_path / "var", "YY-ZW-W01", found)
    fid = finding(conn, "YY-ZW-W01", found, evidence_id=shot, items=("on_duty", "attitude"))

    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    login(page, console, "supervisor", PASSWORD)
    page.get_by_role("link", name="视频巡查", exact=True).click()
    page.get_by_role("heading", name="视频巡查").wait_for()
    page.get_by_role("tab", name="问题记录").click()
    page.get_by_text(f"#{fid} 1号窗口").click()
    page.get_by_role("button", name="立案追责").click()

    page.get_by_role("heading", name="责任追究").wait_for()
    (case,) = repo.list_cases(conn, region_prefix=None)
    page.get_by_text(f"已从巡查发现 #{fid} 立案：追责案件 #{case.id}").wait_for()
    page.get_by_text(f"来源：巡查发现 #{fid}").wait_for()
    page.get_by_text("视频巡查截图（摄像机YY-ZW-W01-CAM").first.wait_for()
    assert page.locator("img").count() >= 1
    assert (case.origin, case.origin_ref, case.subject_kind) == (
        "finding",
        f"finding:{fid}",
        "window",
    )
    assert [a.subject for a in audit.recent(conn, action="accountability.from_finding")] == [
        f"case:{case.id}"
    ]
    page.get_by_text("视频巡查截图（摄像机YY-ZW-W01-CAM").first.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    screenshot(page, "accountability-case-from-finding")

    page.get_by_role("button", name="下发文书").click()
    page.get_by_text("下发文书成功").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="下载PDF").click()
    notice = tmp_path / "notice.pdf"
    download.value.save_as(notice)
    text = "".join(pdf("pdftotext", str(notice), "-").split())
    assert "督办通知书" in text and "1号窗口工作人员不在岗、工作人员服务态度不佳" in text
    assert "相关证据材料" in text and "视频巡查截图（摄像机YY-ZW-W01-CAM" in text
    images = pdf("pdfimages", "-list", str(notice)).splitlines()[2:]
    assert [line.split()[3:5] for line in images] == [["640", "360"]]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(notice), str(tmp_path / "notice")], check=True
    )

    page.get_by_role("link", name="视频巡查", exact=True).click()
    page.get_by_role("tab", name="问题记录").click()
    page.get_by_text(f"已立案 #{case.id}").click()
    page.get_by_role("link", name=f"已立案：追责案件 #{case.id}").wait_for()
    assert page.get_by_role("button", name="立案追责").count() == 0
    screenshot(page, "patrol-finding-linked-to-case")
    context.close()
