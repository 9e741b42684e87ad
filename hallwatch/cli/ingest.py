"""`hallwatch ingest file|dead-letters|keys|project`: import files, inspect and replay refused
inputs, manage the API keys of sending systems."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hallwatch.cli.common import DataDir, database, settings

app = typer.Typer(help="数据接入: import events, dead letters, API keys", no_args_is_help=True)
dead = typer.Typer(help="死信: refused inputs", no_args_is_help=True)
keys = typer.Typer(help="API keys of sending systems", no_args_is_help=True)
app.add_typer(dead, name="dead-letters")
app.add_typer(keys, name="keys")
console = Console()


@app.command("file")
def file_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL or CSV file"),
    fmt: str | None = typer.Option(None, "--format", help="jsonl or csv (default: by suffix)"),
    project: bool = typer.Option(True, "--project/--no-project", help="update cases after"),
    workers: int = typer.Option(
        -1, "--workers", help="validating processes (0: in this one; default: one per spare core)"
    ),
    reference: Path | None = typer.Option(
        None,
        "--reference",
        exists=True,
        help="load this hall reference JSON first (`hallwatch sim --reference`)",
    ),
    data_dir: Path | None = DataDir,
) -> None:
    """导入事件文件: validate, store each event once, keep refused lines as dead letters."""
    from ingest.service import IngestService
    from ingest.sources.file import default_workers, import_file
    from store.migrate import migrate

    db = database(settings(data_dir))
    migrate(db.url)
    if reference is not None:
        _load_reference(db, reference)
    service = IngestService(db.url)
    service.writer.max_queue = 30_000
    service.writer.start()
    columns = (
        TextColumn("导入 {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    started = time.monotonic()
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(path.name, total=path.stat().st_size)
            summary = import_file(
                path,
                service.writer,
                _validator(service),
                lambda done: bar.update(task, completed=done),
                fmt,
                default_workers(path) if workers < 0 else workers,
            )
            bar.update(task, completed=path.stat().st_size)
    finally:
        service.writer.stop()
    seconds = time.monotonic() - started
    _print_summary(summary, seconds)
    if project:
        with service.connect() as conn:
            done = service.projector.catch_up(conn)
        console.print(
            f"办件投影 projections: {done.cases} cases, {done.complaints} complaints,"
            f" {done.clocks} clocks updated ({done.recomputed} rebuilt from their events)"
        )


def _load_reference(db, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Upsert the hall(s) of a reference file (one Hall object or a list of them)."""
    import orjson

    from core.reference import Hall
    from store.repos.reference import save_hall

    doc = orjson.loads(path.read_bytes())
    halls = [Hall.model_validate(h) for h in (doc if isinstance(doc, list) else [doc])]
    with db.connect(autocommit=True) as conn:
        for hall in halls:
            save_hall(conn, hall)
    console.print(f"参考数据 reference: {', '.join(h.center.name for h in halls)}")


def _validator(service):  # type: ignore[no-untyped-def]
    from ingest.validate import Validator

    return Validator(service.reference)


def _print_summary(summary, seconds: float) -> None:  # type: ignore[no-untyped-def]
    rate = summary.lines / seconds if seconds else 0
    console.print(
        f"[bold]{summary.lines}[/] 行 lines in {seconds:.1f} s ({rate:,.0f}/s): "
        f"[green]{summary.accepted} accepted[/], {summary.duplicates} duplicates, "
        f"[red]{summary.rejected} rejected[/]"
    )
    if summary.by_reason:
        table = Table("rejected because", "count")
        for reason, n in summary.by_reason.most_common(20):
            table.add_row(reason, str(n))
        console.print(table)
        console.print("详见 `hallwatch ingest dead-letters list`")


@dead.command("list")
def dead_list(
    pending: bool = typer.Option(False, help="only those not yet replayed successfully"),
    source: str | None = typer.Option(None, help="source prefix, e.g. http: or file:"),
    limit: int = typer.Option(50, min=1),
    raw: bool = typer.Option(False, help="print the raw input too"),
    data_dir: Path | None = DataDir,
) -> None:
    """列出死信: newest first, with the first problem of each."""
    from store.repos.ingest import dead_letters

    with database(settings(data_dir)).connect() as conn:
        letters = dead_letters(conn, pending=pending, source=source, limit=limit)
    table = Table("id", "received", "source", "reason", "first problem", "replayed")
    for d in letters:
        first = d.problems[0] if d.problems else {}
        table.add_row(
            str(d.id),
            f"{d.received_at:%Y-%m-%d %H:%M:%S}",
            d.source,
            d.reason,
            f"{first.get('field', '')}: {first.get('reason', '')}"[:80],
            d.replay_result or "",
        )
    console.print(table)
    if raw:
        for d in letters:
            console.print(f"[bold]{d.id}[/] {d.raw.decode('utf-8', 'replace')[:2000]}")


@dead.command("replay")
def dead_replay(
    ids: list[int] = typer.Argument(None, help="dead-letter ids (default: all pending)"),
    data_dir: Path | None = DataDir,
) -> None:
    """重新提交死信 after a fix (reference data loaded, a sender's mapping corrected …)."""
    from ingest.deadletters import replay
    from ingest.service import IngestService

    db = database(settings(data_dir))
    service = IngestService(db.url)
    service.writer.start()
    try:
        with service.connect() as conn:
            results = replay(conn, service.writer, _validator(service), ids or None)
    finally:
        service.writer.stop()
    for letter_id, result in results:
        console.print(f"{letter_id}: {result}")
    console.print(f"{len(results)} replayed; {sum(r == 'accepted' for _, r in results)} accepted")


@keys.command("add")
def keys_add(
    source: str = typer.Option(..., help="the events' source, e.g. approval or sim"),
    region: str = typer.Option(..., help="行政区划代码 the key may send for"),
    center: str | None = typer.Option(None, help="limit the key to one centre"),
    name: str | None = typer.Option(None, help="a label, e.g. 审批系统"),
    data_dir: Path | None = DataDir,
) -> None:
    """Create an API key; it is shown once."""
    from ingest.auth import new_key
    from store.repos.ingest import add_api_key

    secret, prefix, key_hash = new_key()
    with database(settings(data_dir)).connect(autocommit=True) as conn:
        add_api_key(
            conn,
            prefix=prefix,
            key_hash=key_hash,
            name=name or source,
            source=source,
            region_code=region,
            center_code=center,
            created_by="cli",
        )
    console.print(f"API key for {source} ({region}{'/' + center if center else ''}):")
    console.print(secret, soft_wrap=True, highlight=False)


@keys.command("list")
def keys_list(data_dir: Path | None = DataDir) -> None:
    from store.repos.ingest import api_keys

    with database(settings(data_dir)).connect() as conn:
        rows = api_keys(conn)
    table = Table("prefix", "name", "source", "region", "centre", "last used", "revoked")
    for k in rows:
        table.add_row(
            k.prefix, k.name, k.source, k.region_code, k.center_code or "",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "",
            f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else "",
        )  # fmt: skip
    console.print(table)


@keys.command("revoke")
def keys_revoke(prefix: str, data_dir: Path | None = DataDir) -> None:
    from store.repos.ingest import revoke_api_key

    with database(settings(data_dir)).connect(autocommit=True) as conn:
        if not revoke_api_key(conn, prefix):
            typer.secho(f"no active key {prefix}", fg="red", err=True)
            raise typer.Exit(1)
    console.print(f"revoked {prefix}")


@app.command("project")
def project_command(
    rebuild: bool = typer.Option(False, help="forget the projections and fold every event"),
    data_dir: Path | None = DataDir,
) -> None:
    """更新办件投影: fold the events not yet projected (or all, with --rebuild)."""
    from ingest.service import IngestService
    from store.repos.cases import delete_all

    db = database(settings(data_dir))
    service = IngestService(db.url)
    with service.connect() as conn:
        if rebuild:
            with conn.transaction():
                delete_all(conn)
        done = service.projector.catch_up(conn, timeout_s=3600)
    console.print(f"{done.events} events → {done.cases} cases, {done.complaints} complaints")
