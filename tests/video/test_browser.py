"""The console's live player in a real Chromium: an inspector opens 视频巡查, clicks a window's
snapshot to go live, and the WebRTC video from the video service plays in the iframe."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest

from store.repos import patrols
from tests.fix_browser import login, screenshot, start_console
from tests.fix_people import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def console_with_video(video_service, module_db, module_settings):
    proc, url = start_console(
        module_db.url, module_settings.data_dir, HALLWATCH_VIDEO_PORT=str(video_service.port)
    )
    yield url
    proc.terminate()
    proc.wait(10)


PLAYING = """() => {
  const v = document.querySelector('video');
  return v && v.videoWidth > 0 && v.currentTime > 0.5 ? [v.videoWidth, v.currentTime] : null;
}"""


def player_frame(page):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/player?" in frame.url:
                return frame
        page.wait_for_timeout(200)
    raise AssertionError("no player iframe appeared")


def test_an_inspector_goes_live_from_the_video_wall(page, console_with_video, module_db):
    login(page, console_with_video, "inspector", PASSWORD)
    page.get_by_role("link", name="视频巡查", exact=True).click()
    page.get_by_role("heading", name="视频巡查").wait_for()
    page.get_by_role("button", name="实时").first.click(timeout=30_000)
    frame = player_frame(page)
    width, first = frame.wait_for_function(PLAYING, timeout=30_000).json_value()
    page.wait_for_timeout(1500)
    later = frame.evaluate("() => document.querySelector('video').currentTime")
    assert width == 640 and later > first
    screenshot(page, "video-patrol-live")
    camera = parse_qs(urlparse(frame.url).query)["camera"][0]
    with module_db.connect(autocommit=True) as conn:
        since = patrols.visited_windows(conn, "YY-ZW", _today())
        row = conn.execute("select window_code from cameras where code = %s", (camera,))
        window = row.fetchone()["window_code"]
    assert window in since  # going live on a window marks it patrolled today


def _today():
    from datetime import datetime
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    return datetime.combine(datetime.now(tz).date(), dtime(0), tz)
