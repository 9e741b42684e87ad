"""Shared plumbing of the benchmarks: write `bench/results/NAME.json` and regenerate the table
in BENCHMARKS.md from every result file (ARCHITECTURE.md → Benchmarks)."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


@dataclass
class Metric:
    value: float
    unit: str
    baseline: float | None = None
    goal: float | None = None
    better: Literal["higher", "lower"] = "higher"
    note: str = ""

    def as_json(self) -> dict[str, object]:
        ratio = round(self.value / self.baseline, 3) if self.baseline else None
        return {
            "value": round(self.value, 3),
            "unit": self.unit,
            "baseline": None if self.baseline is None else round(self.baseline, 3),
            "ratio": ratio,
            "goal": self.goal,
            "better": self.better,
            "note": self.note,
        }


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu}


def record(name: str, metrics: dict[str, Metric]) -> Path:
    """Save one run's numbers and rebuild the BENCHMARKS.md table; returns the JSON path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    doc = {
        "name": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "metrics": {k: m.as_json() for k, m in metrics.items()},
    }
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for key, m in metrics.items():
        print(f"{name:12s} {key:40s} {m.value:12.3f} {m.unit}")
    regenerate()
    return path


def _fmt(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def _met(m: dict[str, object]) -> str:
    goal, value = m.get("goal"), m.get("value")
    if not isinstance(goal, int | float) or not isinstance(value, int | float):
        return ""
    ok = value >= goal if m.get("better") == "higher" else value <= goal
    return "yes" if ok else "**no**"


def regenerate() -> None:
    rows = [
        "| benchmark | metric | value | unit | baseline | ratio | goal | met | date | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in sorted(RESULTS.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for key, m in doc["metrics"].items():
            rows.append(
                f"| {doc['name']} | {key} | {_fmt(m['value'])} | {m['unit']} | "
                f"{_fmt(m.get('baseline'))} | {_fmt(m.get('ratio'))} | {_fmt(m.get('goal'))} | "
                f"{_met(m)} | {doc['date'][:10]} | {m.get('note', '')} |"
            )
    table = "\n".join(rows)
    text = (
        BENCHMARKS_MD.read_text(encoding="utf-8")
        if BENCHMARKS_MD.exists()
        else (
            "# Benchmarks\n\nEvery number below comes from `bench/results/*.json`, written by "
            "`python -m bench NAME` (`./hw bench NAME`). Machine: see each JSON file.\n\n"
            f"{BEGIN}\n{END}\n"
        )
    )
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    BENCHMARKS_MD.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
