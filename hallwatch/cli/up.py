"""`hallwatch up` — the main job on the embedded default — and `hallwatch console`."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from pathlib import Path

import typer

from hallwatch import console_proc
from hallwatch.cli.common import DataDir, database, settings
from store.migrate import migrate

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("console")(console_command)


def up(
    port: int = typer.Option(8501, "--port", help="console port"),
    data_dir: Path | None = DataDir,
    demo: bool = typer.Option(True, "--demo/--no-demo", help="seed and stream the demo centre"),
) -> None:
    """启动: embedded PostgreSQL, migrations, demo centre, services and the console."""
    from hallwatch import stack

    s = settings(data_dir, console_port=port, demo=demo)
    started = time.monotonic()
    db = database(s)
    migrate(db.url)
    stack.ensure_calendar(db)
    logins = stack.seed(s, db) if demo else []
    services = stack.start_services(s, db)
    proc = console_proc.start(s, db.url)
    try:
        console_proc.wait_for_port(s.host, s.console_port, proc=proc)
        _banner(s.host, s.console_port, logins, time.monotonic() - started)
        signal.signal(signal.SIGTERM, _interrupt)
        _wait(proc)
    except KeyboardInterrupt:
        typer.echo("\n正在停止 HallWatch …")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:
            proc.kill()
        services.stop()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _wait(proc: subprocess.Popen[bytes]) -> None:
    """Wait for the child in short naps. The kernel may hand Ctrl-C to any of our many threads;
    Python runs the handler when the main thread next executes, which a plain `wait()` (one
    blocking waitpid) would only do when the child exits — so `up` ignored Ctrl-C now and then."""
    while proc.poll() is None:
        time.sleep(0.2)


def _banner(host: str, port: int, logins: list[tuple[str, str, str]], seconds: float) -> None:
    typer.secho(f"\nHallWatch 已启动 ({seconds:.0f} s)", fg="green", bold=True)
    typer.echo(f"  控制台 console:  http://{host}:{port}")
    if logins:
        typer.echo("  演示账号 demo logins (用户名 / 密码 / 角色):")
        for username, password, role in logins:
            typer.echo(f"    {username:12s} {password:12s} {role}")
    typer.echo("  Ctrl-C 停止\n")


def console_command(
    port: int = typer.Option(8501, "--port", help="console port"),
    data_dir: Path | None = DataDir,
) -> None:
    """Run the Streamlit console alone (as the console container does)."""
    s = settings(data_dir, console_port=port)
    db = database(s)
    proc = console_proc.start(s, db.url)
    signal.signal(signal.SIGTERM, _interrupt)  # a container stop ends the child too
    try:
        _wait(proc)
    except KeyboardInterrupt:
        pass
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
