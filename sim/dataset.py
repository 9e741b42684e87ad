"""A dataset: every event of a span of days for one or more centres, sorted by time, and its
ground truth; written as JSONL (one event per line, keys in envelope order) and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson

from core.reference import Hall
from sim import clock
from sim.clock import Calendar, WorkingCalendar
from sim.config import SimConfig
from sim.hall import build_halls
from sim.presence import intersect
from sim.truth import TruthItem, truth_document
from sim.world import Twin

SCHEMA = "hallwatch.sim.truth/1"


@dataclass
class Dataset:
    config: SimConfig
    twins: list[Twin]
    events: list[dict[str, Any]]
    truth: dict[str, Any]
    start: int
    end: int
    presence: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def halls(self) -> list[Hall]:
        return [t.hall for t in self.twins]


def days_of(config: SimConfig) -> list[date]:
    return [config.start + timedelta(days=i) for i in range(config.days)]


def generate(
    config: SimConfig,
    progress: Callable[[date], None] | None = None,
    calendar: WorkingCalendar | None = None,
) -> Dataset:
    """Run the twin over `config.days` days from `config.start` (see SimConfig.drain)."""
    cal = Calendar(calendar)
    twins = [Twin(h, config, cal) for h in build_halls(config.hall, config.seed)]
    start = clock.midnight(config.start)
    end = clock.midnight(config.start + timedelta(days=config.days))
    timed: list[tuple[int, int, int, int, dict[str, Any]]] = []
    items: list[TruthItem] = []
    presence: dict[str, list[tuple[int, int]]] = {}
    for day in days_of(config):
        for h, twin in enumerate(twins):
            result = twin.generate(day)
            if result is None:
                continue
            o = day.toordinal()
            timed += [(t, h, o, s, e) for t, s, e in result.events if config.drain or t < end]
            items += result.truth
            for code, wd in result.windows.items():
                presence.setdefault(code, []).extend(intersect(wd.occupied, [(start, end)]))
        if progress:
            progress(day)
    timed.sort(key=lambda x: x[:4])
    clipped = [c for c in (i.clipped(None if config.drain else end) for i in items) if c]
    header = {
        "schema": SCHEMA,
        "seed": config.seed,
        "start": clock.iso(start),
        "end": clock.iso(end),
        "centers": [t.hall.center.code for t in twins],
        "config": config.model_dump(mode="json"),
    }
    truth = truth_document(header, clipped, presence)
    return Dataset(config, twins, [x[4] for x in timed], truth, start, end, presence)


def write_events(events: list[dict[str, Any]], path: Path) -> int:
    with path.open("wb") as f:
        for event in events:
            f.write(orjson.dumps(event))
            f.write(b"\n")
    return len(events)


def write_truth(truth: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_reference(halls: list[Hall], path: Path) -> None:
    """One Hall as an object, several as a list (core.reference.Hall.model_validate reads them)."""
    docs = [h.model_dump(mode="json") for h in halls]
    body = docs[0] if len(docs) == 1 else docs
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def read_events(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]
