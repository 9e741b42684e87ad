"""`hallwatch video …`: presence on a video file (calibration, audits) and the build step that
extracts the person-segmentation model from its PyPI wheel."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(help="视频监察: presence analysis on files, model files", no_args_is_help=True)


@app.command("presence")
def presence(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="video file"),
    roi: str = typer.Option(..., "--roi", help="seat region X,Y,W,H in pixels"),
    empty_at: float = typer.Option(0.0, "--empty-at", help="seconds: the seat is empty here"),
    fps: float = typer.Option(1.0, "--fps", min=0.01, max=60, help="samples per second"),
    detector: str = typer.Option("reference", help="reference | segmentation | both"),
    confirm: int = typer.Option(1, min=1, help="equal results in a row before a change"),
) -> None:
    """Print CSV `t_seconds,occupied,score` (occupied 0 or 1) for one seat region."""
    from video.fileaudit import DetectorName, presence_rows
    from video.geometry import GeometryError, parse_rect

    try:
        seat = parse_rect(roi)
        name = DetectorName(detector)
    except (GeometryError, ValueError) as exc:
        typer.secho(f"参数错误: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    out = sys.stdout
    out.write("t_seconds,occupied,score\n")
    for row in presence_rows(
        file, seat, empty_at=empty_at, fps=fps, detector=name, confirm=confirm
    ):
        out.write(f"{row.t_seconds:g},{int(row.occupied)},{row.score:.4f}\n")


@app.command("fetch-model")
def fetch_model() -> None:
    """Build step: extract the selfie-segmentation model from the mediapipe wheel on PyPI."""
    from video.segmentation import fetch

    typer.echo(str(fetch()))
