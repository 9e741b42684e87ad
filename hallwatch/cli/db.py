"""`hallwatch db migrate|status`."""

from __future__ import annotations

from pathlib import Path

import typer

from hallwatch.cli.common import DataDir, database, settings
from store.migrate import migrate, status

app = typer.Typer(help="数据库: migrations", no_args_is_help=True)


@app.command("migrate")
def migrate_command(data_dir: Path | None = DataDir) -> None:
    """Apply pending migrations."""
    db = database(settings(data_dir))
    applied = migrate(db.url)
    for key in applied:
        typer.echo(f"applied {key}")
    typer.echo(f"{len(applied)} migration(s) applied; schema is current")


@app.command("status")
def status_command(data_dir: Path | None = DataDir) -> None:
    """List migrations and whether each is applied."""
    db = database(settings(data_dir))
    for key, done in status(db.url):
        typer.echo(f"{'applied' if done else 'pending':8s} {key}")
