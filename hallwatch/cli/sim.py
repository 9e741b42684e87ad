"""`hallwatch sim`: write a simulated dataset — events (JSONL), ground truth (JSON) and the
hall's reference data — from the digital twin in sim/."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim.config import DEFAULT_START, HallConfig, SimConfig
from sim.dataset import generate, write_events, write_reference, write_truth


def sim_command(
    days: int = typer.Option(30, min=1, help="模拟天数 (calendar days)"),
    windows: int = typer.Option(40, min=1, help="窗口数 per centre"),
    departments: int = typer.Option(15, min=1, max=20, help="进驻部门数"),
    seed: int = typer.Option(7, help="random seed; the same seed gives identical files"),
    start: datetime = typer.Option(
        datetime.combine(DEFAULT_START, datetime.min.time()),
        formats=["%Y-%m-%d"],
        help="first simulated day",
    ),
    centers: int = typer.Option(
        1, min=1, max=8, help="centres: 1, or a province → city → county tree"
    ),
    out: Path = typer.Option(Path("events.jsonl"), help="events, one JSON object per line"),
    truth: Path = typer.Option(Path("truth.json"), help="ground truth of planted violations"),
    reference: Path | None = typer.Option(None, help="also write the Hall reference data here"),
    drain: bool = typer.Option(False, help="keep lifecycle events of open cases past the last day"),
    presence_samples: int = typer.Option(0, min=0, help="emit presence.sample every N seconds"),
) -> None:
    """生成模拟数据: events, ground truth and reference data of a simulated service hall."""
    config = SimConfig(
        seed=seed,
        start=start.date(),
        days=days,
        hall=HallConfig(windows=windows, departments=departments, centers=centers),
        drain=drain,
        presence_sample_seconds=presence_samples,
    )
    console = Console(stderr=True)
    columns = (
        TextColumn("模拟中 {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("", total=days)

        def step(day: date) -> None:
            bar.update(task, advance=1, description=day.isoformat())

        dataset = generate(config, progress=step)
    count = write_events(dataset.events, out)
    write_truth(dataset.truth, truth)
    if reference is not None:
        write_reference(dataset.halls, reference)
    console.print(
        f"{count} events → {out}; {len(dataset.truth['violations'])} truth items → {truth}"
        + (f"; hall → {reference}" if reference else "")
    )
