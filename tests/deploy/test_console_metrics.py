"""The console process's metrics endpoint: its port setting, pool figures, /healthz, and an
exposition promtool accepts."""

from __future__ import annotations

import shutil
import subprocess

import httpx

from console import metrics
from core.settings import load_settings
from hallwatch.edge.localnats import free_port


def test_the_metrics_port_comes_from_the_setting_or_the_environment(monkeypatch):
    monkeypatch.delenv(metrics.PORT_ENV, raising=False)
    assert metrics.metrics_port(load_settings({})) is None
    monkeypatch.setenv(metrics.PORT_ENV, "9604")
    assert metrics.metrics_port(None) == 9604
    monkeypatch.setenv(metrics.PORT_ENV, "0")
    assert metrics.metrics_port(None) is None


def test_the_console_serves_its_pool_figures_and_health(pool, monkeypatch):
    port = free_port()
    monkeypatch.setenv(metrics.PORT_ENV, str(port))
    monkeypatch.setattr(metrics, "_served", {})  # a fresh "process"
    assert metrics.watch_pool(pool, load_settings({})) is pool
    with pool.connection() as conn:
        conn.execute("select 1")

    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/healthz").text == "ok\n"
    text = httpx.get(f"{base}/metrics").text
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if line.startswith("hallwatch_console_")
    }
    assert samples["hallwatch_console_pool_size"] >= 1
    assert samples["hallwatch_console_pool_requests_total"] >= 1
    assert "process_cpu_seconds_total" in text
    promtool = subprocess.run(
        [shutil.which("promtool") or "promtool", "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert promtool.returncode == 0, promtool.stdout + promtool.stderr
    metrics._served["server"].shutdown()
