"""`hallwatch alerts …`: the spike detector on any count series, and a replay of a simulated
dataset through the alert rules."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer

app = typer.Typer(help="告警: spike detection on files, rule replays", no_args_is_help=True)


def _parse_time(text: str, tz: ZoneInfo) -> datetime:
    value = text.strip()
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=tz)


@app.command("detect-spikes")
def detect_spikes(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV with timestamp,value"),
    timezone: str = typer.Option("Asia/Shanghai", help="zone of naive timestamps and day classes"),
    window: int = typer.Option(1, min=1, help="points summed per test (1: each point alone)"),
    history_days: int = typer.Option(28, min=1, help="baseline history before each day"),
) -> None:
    """检测激增: read `timestamp,value` (any regular interval), write
    `timestamp,value,anomaly_score` to stdout; the score is between 0 and 1 (alerts/spikes.py)."""
    from alerts.spikes import SpikeParams, score_series
    from core.calendar import official_calendar

    tz = ZoneInfo(timezone)
    with file.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"timestamp", "value"} <= set(reader.fieldnames):
            typer.secho(
                "CSV 需要 timestamp,value 两列 (columns timestamp,value)", fg="red", err=True
            )
            raise typer.Exit(2)
        raw = [(r["timestamp"], r["value"]) for r in reader]
    try:
        rows = sorted((_parse_time(t, tz), t, float(v)) for t, v in raw)
    except ValueError as exc:
        typer.secho(f"无法解析 (cannot parse): {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    params = SpikeParams(history_days=history_days)
    scores = score_series(
        [r[0] for r in rows], [r[2] for r in rows], official_calendar(), tz, params, window
    )
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["timestamp", "value", "anomaly_score"])
    for (_, text, value), score in zip(rows, scores, strict=True):
        out.writerow([text, f"{value:g}", f"{score:.6f}"])
