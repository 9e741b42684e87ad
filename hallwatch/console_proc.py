"""The Streamlit console as a child process of `hallwatch up` (or alone: `hallwatch console`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import console
from core.settings import Settings

APP = Path(console.__file__).parent / "app.py"


def command(settings: Settings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "console.metrics",  # Streamlit's command line, with the metrics endpoint started first
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.address",
        settings.host,
        "--server.port",
        str(settings.console_port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
        "--theme.base",
        "light",
    ]


def environment(settings: Settings, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    env.update(
        HALLWATCH_DATABASE_URL=database_url,
        HALLWATCH_DATA_DIR=str(Path(settings.data_dir).resolve()),
        HALLWATCH_SECRET_KEY=settings.secret_key.get_secret_value(),
        HALLWATCH_TIMEZONE=settings.timezone,
        HALLWATCH_HOST=settings.host,
        HALLWATCH_CONSOLE_PORT=str(settings.console_port),
        HALLWATCH_INGEST_PORT=str(settings.ingest_port),
        HALLWATCH_VIDEO_PORT=str(settings.video_port),
    )
    if settings.console_metrics_port:
        env["HALLWATCH_CONSOLE_METRICS_PORT"] = str(settings.console_metrics_port)
    if settings.public_video_url:
        env["HALLWATCH_PUBLIC_VIDEO_URL"] = settings.public_video_url
    return env


def start(settings: Settings, database_url: str) -> subprocess.Popen[bytes]:
    """Start the console; its own banner is dropped (`hallwatch up` prints ours), errors shown."""
    return subprocess.Popen(
        command(settings), env=environment(settings, database_url), stdout=subprocess.DEVNULL
    )


def wait_for_port(
    host: str, port: int, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"console exited with code {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
