"""Pieces every command shares: settings from the environment plus CLI overrides, the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from core.settings import Settings, SettingsError, load_settings
from store.db import Database


def settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    try:
        return load_settings(data_dir=str(data_dir) if data_dir else None, **overrides)
    except SettingsError as exc:
        typer.secho(f"配置错误 (settings): {exc}", fg="red", err=True)
        raise typer.Exit(2) from None


def database(s: Settings) -> Database:
    return Database.open(s)


DataDir = typer.Option(None, "--data-dir", help="where data lives (default ./var)")


def wait_for_signal() -> None:
    """Block until SIGTERM or Ctrl-C (a container stop or an operator), then return."""
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(0.2):  # timed: the handler runs only when this thread wakes up
        pass
