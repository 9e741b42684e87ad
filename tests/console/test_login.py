import pytest

from store.repos import audit
from tests.fix_browser import login, screenshot
from tests.fix_people import PASSWORD

pytestmark = pytest.mark.browser


def test_supervisor_logs_in_and_sees_the_home_page_of_their_centre(page, console_url, conn):
    login(page, console_url, "supervisor", PASSWORD)
    page.get_by_role("heading", name="总览").wait_for()
    page.get_by_role("heading", name="榆阳区政务服务中心").wait_for()
    assert page.get_by_text("张监察（监察员）").is_visible()
    screenshot(page, "console-home-supervisor")
    actions = [e.action for e in audit.recent(conn, actor="supervisor")]
    assert "login" in actions


def test_a_wrong_password_is_refused_and_logged(page, console_url, conn):
    login(page, console_url, "supervisor", "not-the-password")
    page.get_by_text("用户名或密码错误").wait_for()
    assert page.get_by_role("heading", name="总览").count() == 0
    assert [e.action for e in audit.recent(conn, actor="supervisor")] == ["login.failed"]
