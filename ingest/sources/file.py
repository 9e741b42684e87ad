"""File import: JSONL (one event per line, e.g. the sim's output) and CSV (a header row of
envelope fields, the payload either as one `payload` column of JSON or as `payload.<name>`
columns). The reader validates and encodes batches in this thread while the writer thread
commits the previous ones; `import_file` returns the summary (accepted, duplicates, rejected by
reason and field)."""

from __future__ import annotations

import csv
import gc
import io
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psycopg

from ingest.validate import Accepted, Rejected, Validator
from ingest.writer import Outcome, QueueFull, Submission, Writer, dedupe
from store.repos.events import RowEncoder

BATCH = 10_000
CHUNK = 4 * 1024 * 1024
ENVELOPE = (
    "event_id", "kind", "occurred_at", "source", "region_code", "center_code",
    "department_code", "window_code", "case_no", "staff_id",
)  # fmt: skip

Progress = Callable[[int], None]  # bytes read so far


@dataclass
class Summary:
    lines: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)  # "reason: field: why" → count

    def add(self, outcome: Outcome, rejects: list[Rejected]) -> None:
        self.accepted += outcome.accepted
        self.duplicates += outcome.duplicates
        self.rejected += outcome.rejected
        for r in rejects:
            first = r.problems[0] if r.problems else None
            detail = f"{first.field}: {first.reason}" if first else ""
            self.by_reason[f"{r.reason.value} — {detail}"[:200]] += 1


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().removesuffix(".gz")
    return "csv" if suffix == ".csv" else "jsonl"


def jsonl_batches(
    path: Path, progress: Progress | None = None
) -> Iterator[list[tuple[int, bytes]]]:
    """(line number, line) in batches of BATCH non-empty lines."""
    batch: list[tuple[int, bytes]] = []
    number, done, rest = 0, 0, b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            done += len(chunk)
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                number += 1
                if line.strip():
                    batch.append((number, line))
            if len(batch) >= BATCH:
                yield batch
                batch = []
            if progress:
                progress(done)
    if rest.strip():
        batch.append((number + 1, rest))
    if batch:
        yield batch


def csv_event(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as an event: empty cells are absent; payload from JSON or dotted columns."""
    event: dict[str, Any] = {k: v for k in ENVELOPE if (v := (row.get(k) or "").strip())}
    payload: dict[str, Any] = {}
    if (text := (row.get("payload") or "").strip()) != "":
        try:
            payload = orjson.loads(text)
        except orjson.JSONDecodeError:
            payload = {"(payload)": text}  # fails validation, naming the column
    for key, value in row.items():
        if key and key.startswith("payload.") and value not in (None, ""):
            payload[key[len("payload.") :]] = _cell(value)
    event["payload"] = payload
    return event


def _cell(value: str) -> Any:
    """Cells that hold JSON lists, numbers or booleans are read as such; the rest as text."""
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    return parsed if isinstance(parsed, list | bool | int | float) else value


def csv_batches(path: Path, progress: Progress | None = None) -> Iterator[list[tuple[int, Any]]]:
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        batch: list[tuple[int, Any]] = []
        for row in reader:
            batch.append((reader.line_num, csv_event(row)))
            if len(batch) >= BATCH:
                yield batch
                batch = []
                if progress:
                    progress(f.buffer.tell() if hasattr(f, "buffer") else 0)
        if batch:
            yield batch


def import_file(
    path: Path,
    writer: Writer,
    validator: Validator,
    encoder_conn: psycopg.Connection[Any],
    progress: Progress | None = None,
    fmt: str | None = None,
) -> Summary:
    """Read, validate and write a whole file; returns once every batch is committed."""
    fmt = fmt or detect_format(path)
    source = f"file:{path.name}"
    batches = csv_batches(path, progress) if fmt == "csv" else jsonl_batches(path, progress)
    encoder = RowEncoder(encoder_conn)
    summary = Summary()
    pending: list[tuple[Future[Outcome], list[Rejected]]] = []
    frozen = gc.isenabled()
    gc.disable()  # millions of short-lived objects: collect once per batch instead
    try:
        for batch in batches:
            summary.lines += len(batch)
            checked = [validator.check(raw, number) for number, raw in batch]
            items, repeats = dedupe([c for c in checked if isinstance(c, Accepted)])
            rejects = [c for c in checked if isinstance(c, Rejected)]
            encoded = (encoder.ids(a.row for a in items), encoder.events(a.row for a in items))
            sub = Submission(items, rejects, source, repeats, encoded)
            pending.append((_submit_waiting(writer, sub, pending, summary), rejects))
            gc.collect(0)
        for future, rejects in pending:
            summary.add(future.result(), rejects)
    finally:
        if frozen:
            gc.enable()
    return summary


def _submit_waiting(
    writer: Writer,
    sub: Submission,
    pending: list[tuple[Future[Outcome], list[Rejected]]],
    summary: Summary,
) -> Future[Outcome]:
    """Submit, waiting for the oldest batch to commit while the writer's queue is full."""
    while True:
        try:
            return writer.submit(sub)
        except QueueFull:
            if not pending:
                raise
            future, rejects = pending.pop(0)
            summary.add(future.result(), rejects)


def read_events(path: Path) -> Iterator[bytes | dict[str, Any]]:
    """Every event of a file as raw JSON bytes (JSONL) or dicts (CSV), for tests and tools."""
    batches = csv_batches(path) if detect_format(path) == "csv" else jsonl_batches(path)
    for batch in batches:
        for _, raw in batch:
            yield raw


def write_csv(events: list[dict[str, Any]], out: io.TextIOBase) -> None:
    """Events as CSV with a JSON `payload` column (what `csv_event` reads back)."""
    writer = csv.DictWriter(out, fieldnames=[*ENVELOPE, "payload"])  # type: ignore[arg-type]
    writer.writeheader()
    for e in events:
        row = {k: e.get(k) or "" for k in ENVELOPE}
        row["payload"] = orjson.dumps(e.get("payload", {})).decode()
        writer.writerow(row)
