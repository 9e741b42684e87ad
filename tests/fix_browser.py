"""A real console (Streamlit child process on a free port) and a real Chromium (Debian's
`chromium` driven by playwright with `executable_path`; never `playwright install`)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import load_settings
from hallwatch import console_proc

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(
            "Debian chromium is not installed: apt-get install -y chromium (./hw test does)"
        )
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module. Not per session: playwright's sync API keeps an asyncio
    loop running in the main thread while it lives, and tests of asyncio code need it gone."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


def start_console(db_url: str, data_dir: Path, **extra_env: str) -> tuple[subprocess.Popen, str]:
    port = console_proc.free_port()
    settings = load_settings({}, database_url=db_url, data_dir=str(data_dir), console_port=port)
    env = console_proc.environment(settings, db_url) | extra_env
    proc = subprocess.Popen(
        console_proc.command(settings), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    console_proc.wait_for_port("127.0.0.1", port, proc=proc)
    return proc, f"http://127.0.0.1:{port}"


@pytest.fixture
def console_url(db, hall, tmp_path) -> Iterator[str]:
    """The console running against this test's database (with the small hall and demo users)."""
    proc, url = start_console(db.url, tmp_path / "var")
    yield url
    proc.terminate()
    proc.wait(10)


def login(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
