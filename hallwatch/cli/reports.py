"""`hallwatch reports …` (indicators, monthly bulletins) and `hallwatch notices …` (list, render
again) for accountability."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hallwatch.cli.common import DataDir, database, settings

if TYPE_CHECKING:
    from accountability.indicators import Indicators

app = typer.Typer(
    help="绩效统计与月度通报 (indicators and monthly bulletins)", no_args_is_help=True
)
notices_app = typer.Typer(help="效能监察文书 (notices)", no_args_is_help=True)


def _centers(conn: Any, center: str | None) -> list[str]:
    from store.repos import indicators as repo

    codes = [code for code, _ in repo.center_codes(conn)]
    if center and center not in codes:
        typer.secho(f"没有这个中心：{center}", fg="red", err=True)
        raise typer.Exit(2)
    return [center] if center else codes


@app.command("bulletin")
def bulletin(
    month: str = typer.Option(..., "--month", help="月份，如 2025-10"),
    center: str | None = typer.Option(None, "--center", help="中心编码（默认：全部中心）"),
    data_dir: Path | None = DataDir,
) -> None:
    """生成月度通报 PDF (make the monthly bulletin now)."""
    from accountability.bulletin import make
    from accountability.files import Storage
    from accountability.indicators import parse_period

    period = parse_period(month)
    if period.kind != "month":
        raise typer.BadParameter("--month: 月份，如 2025-10")
    s = settings(data_dir)
    with database(s).connect(autocommit=True) as conn:
        for code in _centers(conn, center):
            row = make(conn, code, period, Storage.from_settings(s), datetime.now(UTC), "cli")
            if row is not None:
                typer.echo(f"{code} {period.label}: {row.pdf_path}")


@app.command("indicators")
def indicators(
    period: str = typer.Option(..., "--period", help="2025-10-09 / 2025-10 / 2025-Q4 / 2025"),
    by: str = typer.Option("department", "--by", help="window | staff | department | center"),
    center: str | None = typer.Option(None, "--center"),
    data_dir: Path | None = DataDir,
) -> None:
    """打印绩效指标 (print the indicators as a table)."""
    from accountability.indicators import compute, parse_period

    s = settings(data_dir)
    with database(s).connect(autocommit=True) as conn:
        rows = compute(conn, by, parse_period(period), center_code=center, refresh=True)
    typer.echo("\t".join(label for label, _ in COLUMNS))
    for i in rows:
        typer.echo("\t".join(cell(i) for _, cell in COLUMNS))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def _n(x: int | None) -> str:
    return "—" if x is None else str(x)


# (header, cell) of `reports indicators`: the 办件 indicators, then 在岗 from the video and
# 进驻/授权 from the matter catalogue (DOMAIN.md → Indicators)
COLUMNS: tuple[tuple[str, Callable[[Indicators], str]], ...] = (
    ("对象", lambda i: i.key),
    ("受理", lambda i: str(i.accepted)),
    ("办结", lambda i: str(i.completed)),
    ("按时办结率", lambda i: _pct(i.on_time_rate)),
    ("提前办结率", lambda i: _pct(i.early_rate)),
    ("超时", lambda i: str(i.late)),
    ("日结率", lambda i: _pct(i.same_day_rate)),
    ("满意率", lambda i: _pct(i.satisfaction_rate)),
    ("差评率", lambda i: _pct(i.bad_rate)),
    ("投诉", lambda i: _n(i.complaints)),
    ("在岗率", lambda i: _pct(i.seat_rate)),
    ("视频覆盖率", lambda i: _pct(i.video_coverage)),
    ("进驻率", lambda i: _pct(i.entry_rate)),
    ("审核权授权率", lambda i: _pct(i.review_rate)),
    ("审批权授权率", lambda i: _pct(i.approval_rate)),
)


@notices_app.command("list")
def list_notices(limit: int = typer.Option(50, "--limit"), data_dir: Path | None = DataDir) -> None:
    """列出文书 (list notices, newest first)."""
    from store.repos.accountability import notices as repo

    s = settings(data_dir)
    with database(s).connect(autocommit=True) as conn:
        for n in repo.list_notices(conn, region_prefix=None, limit=limit):
            void = " [作废]" if n.voided_at else ""
            typer.echo(f"{n.id}\t{n.doc_number}\t{n.title}{void}\t{n.pdf_path or ''}")


@notices_app.command("render")
def render(notice_id: int, data_dir: Path | None = DataDir) -> None:
    """按留存字段重新生成文书 PDF 和 DOCX (render a notice again from its frozen fields)."""
    from accountability.files import Storage
    from accountability.issuing import render_files
    from store.repos.accountability import notices as repo

    s = settings(data_dir)
    with database(s).connect(autocommit=True) as conn:
        notice = repo.get_notice(conn, notice_id)
        if notice is None:
            typer.secho(f"没有这个文书：{notice_id}", fg="red", err=True)
            raise typer.Exit(2)
        fresh = render_files(conn, notice, Storage.from_settings(s), datetime.now(UTC))
    typer.echo(f"{fresh.doc_number}: {fresh.pdf_path} {fresh.docx_path}")
