"""Dead letters: every refused input is kept (raw bytes, source, reason, problems, time) and can
be replayed after a fix — reference data loaded, a validation rule corrected. A replay validates
the raw input again and writes it like any other; the outcome is saved on the dead letter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ingest.validate import Accepted, Validator
from ingest.writer import Submission, Writer, prepare
from store.repos import ingest as ingest_repo
from store.repos.events import RowEncoder

REPLAY_SOURCE = "replay"


def replay(
    conn: psycopg.Connection[Any],
    writer: Writer,
    validator: Validator,
    ids: Sequence[int] | None = None,
    limit: int = 10_000,
) -> list[tuple[int, str]]:
    """Replay the given dead letters (default: every pending one); returns (id, result) where
    result is accepted, duplicate, or `rejected: <first problem>` (then it stays pending)."""
    letters = ingest_repo.dead_letters(conn, pending=ids is None, ids=ids, limit=limit)
    encoder = RowEncoder()
    results: list[tuple[int, str]] = []
    for letter in reversed(letters):  # oldest first
        checked = validator.check(letter.raw)
        if isinstance(checked, Accepted):
            sub = Submission(prepare([checked], encoder), source=REPLAY_SOURCE)
            outcome = writer.write(sub, timeout=60)
            result = "accepted" if outcome.accepted else "duplicate"
        else:
            first = checked.problems[0] if checked.problems else None
            detail = f"{first.field}: {first.reason}" if first else checked.reason.value
            result = f"rejected: {detail}"
        with conn.transaction():
            ingest_repo.mark_replayed(conn, letter.id, result)
        results.append((letter.id, result))
    return results
