"""`hallwatch users add|list`."""

from __future__ import annotations

from pathlib import Path

import typer

from core.enums import ROLE_LABELS, Role
from hallwatch.cli.common import DataDir, database, settings
from store.migrate import migrate
from store.repos import audit, users

app = typer.Typer(help="用户: console users and roles", no_args_is_help=True)


@app.command("add")
def add(
    username: str,
    role: Role = typer.Option(..., help="supervisor, inspector, liaison, leader or admin"),
    region: str = typer.Option(..., help="行政区划代码 of the user's scope, e.g. 610802"),
    name: str | None = typer.Option(None, help="display name (Chinese)"),
    department: str | None = typer.Option(None, help="department code (liaisons)"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    data_dir: Path | None = DataDir,
) -> None:
    """Create a console user."""
    db = database(settings(data_dir))
    migrate(db.url)
    with db.connect(autocommit=True) as conn:
        try:
            user = users.add(conn, username, password, role, region, name, department)
        except users.UserError as exc:
            typer.secho(f"不能创建用户: {exc}", fg="red", err=True)
            raise typer.Exit(2) from None
        audit.write(conn, "cli", "user.add", username, region, role=role.value)
    typer.echo(f"created {user.username} ({ROLE_LABELS[user.role]}, {user.region_code})")


@app.command("list")
def list_users(data_dir: Path | None = DataDir) -> None:
    """List console users."""
    db = database(settings(data_dir))
    with db.connect() as conn:
        for u in users.list_all(conn):
            state = "" if u.active else " (停用)"
            typer.echo(
                f"{u.username:16s} {ROLE_LABELS[u.role]:8s} {u.region_code} {u.display_name}{state}"
            )
