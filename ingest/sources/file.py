"""File import: JSONL (one event per line, e.g. the sim's output) and CSV (a header row of
envelope fields, the payload either as one `payload` column of JSON or as `payload.<name>`
columns). The reader validates and encodes batches in this thread (or, with `workers`, in
worker processes that are sent whole blocks of lines) while the writer thread commits the
previous ones; `import_file` returns the summary (accepted, duplicates, rejected by reason and
field)."""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ingest.validate import ReferenceIndex, Rejected, Validator
from ingest.writer import Outcome, Prepared, QueueFull, Submission, Writer, check_and_prepare
from store.repos.events import RowEncoder

BATCH = 10_000  # CSV rows per batch
BLOCK = 4 * 1024 * 1024  # JSONL bytes per batch: about 10,000 events
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


def jsonl_blocks(path: Path, progress: Progress | None = None) -> Iterator[Block]:
    """(number of the first line, whole lines) in blocks of about BLOCK bytes: what a worker
    process is sent (one bytes object; it splits the lines itself)."""
    number, done, rest = 1, 0, b""
    with path.open("rb") as f:
        while chunk := f.read(BLOCK):
            done += len(chunk)
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            if cut:
                yield number, block[:cut]
                number += block.count(b"\n", 0, cut)
            rest = block[cut:]
            if progress:
                progress(done)
    if rest:
        yield number, rest


def block_lines(block: Block) -> Batch:
    """A block's (line number, line) pairs, blank lines left out."""
    first, data = block
    return [(i, x) for i, x in enumerate(data.split(b"\n"), first) if x and not x.isspace()]


def jsonl_batches(path: Path, progress: Progress | None = None) -> Iterator[Batch]:
    return map(block_lines, jsonl_blocks(path, progress))


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
                    progress(f.buffer.tell())  # type: ignore[attr-defined]
        if batch:
            yield batch


def import_file(
    path: Path,
    writer: Writer,
    validator: Validator,
    progress: Progress | None = None,
    fmt: str | None = None,
    workers: int = 0,
) -> Summary:
    """Read, validate and write a whole file; returns once every batch is committed.
    `workers` > 0 validates and encodes in that many processes (in file order)."""
    fmt = fmt or detect_format(path)
    source = f"file:{path.name}"
    units: Iterator[Unit] = (
        csv_batches(path, progress) if fmt == "csv" else jsonl_blocks(path, progress)
    )
    summary = Summary()
    pending: deque[tuple[Future[Outcome], list[Rejected]]] = deque()
    enabled, interval = gc.isenabled(), sys.getswitchinterval()
    gc.disable()  # millions of short-lived acyclic objects: collect young ones per batch
    sys.setswitchinterval(0.0005)  # the writer thread gets the GIL back soon after its I/O
    try:
        for prepared, rejects, lines in _prepared(units, validator, workers):
            summary.lines += lines
            sub = Submission(prepared, rejects, source)
            pending.append((_submit_waiting(writer, sub, pending, summary), rejects))
            gc.collect(0)
        for future, rejects in pending:
            summary.add(future.result(), rejects)
    finally:
        sys.setswitchinterval(interval)
        if enabled:
            gc.enable()
    return summary


def default_workers(path: Path) -> int:
    """Worker processes pay off for big files on machines with cores to spare (on 2 cores,
    measured: one worker is slower than none — PostgreSQL needs the other core)."""
    spare = (os.cpu_count() or 1) - 2  # one core for PostgreSQL, one for this process
    return min(spare, 4) if path.stat().st_size > 20_000_000 else 0


Batch = list[tuple[int, Any]]  # (line number, JSON bytes or a CSV row's event)
Block = tuple[int, bytes]  # (number of the first line, whole JSONL lines)
Unit = Batch | Block
Checked = tuple[Prepared, list[Rejected], int]
_worker: tuple[Validator, RowEncoder] | None = None


def check_batch(unit: Unit, validator: Validator, encoder: RowEncoder) -> Checked:
    return check_and_prepare(
        validator, block_lines(unit) if isinstance(unit, tuple) else unit, encoder
    )


def _prepared(units: Iterator[Unit], validator: Validator, workers: int) -> Iterator[Checked]:
    """Each batch checked and encoded, in file order: here, or in worker processes. Until
    the workers are up (a fraction of a second), this process checks the batches itself."""
    encoder = RowEncoder()
    if workers <= 0:
        for unit in units:
            yield check_batch(unit, validator, encoder)
        return
    reference = validator.reference
    snapshot = None
    if reference is not None:
        reference.refresh(force=True)
        snapshot = (reference.centers, reference.departments, reference.windows)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, _init_worker, (snapshot,)) as pool:
        started = [pool.submit(_up) for _ in range(workers)]
        inflight: deque[Future[Checked]] = deque()
        for unit in units:
            if all(f.done() for f in started):
                inflight.append(pool.submit(_check_in_worker, unit))
            else:
                here: Future[Checked] = Future()
                here.set_result(check_batch(unit, validator, encoder))
                inflight.append(here)
            while inflight and (inflight[0].done() or len(inflight) > 2 * workers):
                yield inflight.popleft().result()
        while inflight:
            yield inflight.popleft().result()


def _init_worker(snapshot: tuple[Any, Any, Any] | None) -> None:
    global _worker
    reference = None
    if snapshot is not None:
        reference = ReferenceIndex(lambda: snapshot, refresh_s=1e9)
        reference.refresh(force=True)
    _worker = (Validator(reference), RowEncoder())


def _up() -> bool:
    return _worker is not None


def _check_in_worker(unit: Unit) -> Checked:
    assert _worker is not None
    prepared, rejects, lines = check_batch(unit, *_worker)
    return prepared.packed(), rejects, lines


def _submit_waiting(
    writer: Writer,
    sub: Submission,
    pending: deque[tuple[Future[Outcome], list[Rejected]]],
    summary: Summary,
) -> Future[Outcome]:
    """Submit, waiting for the oldest batch to commit while the writer's queue is full."""
    while True:
        try:
            return writer.submit(sub)
        except QueueFull:
            if not pending:
                raise
            future, rejects = pending.popleft()
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
