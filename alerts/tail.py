"""The event tail: read new events with a durable cursor and evaluate the subjects they touch.

Why a transaction-id watermark, not an id position. `events.id` values are taken when a row is
inserted, not when it commits: a writer can take id 100, a second writer id 101 and commit
first, and a tail that remembered "101" would skip 100 for ever. Every event row therefore
carries `xid` (pg_current_xact_id() of the inserting transaction, migration 0030), and
`pg_snapshot_xmin(pg_current_snapshot())` — the *horizon* — is the oldest transaction still
running: every row whose xid is below it is either visible now or will never exist. So:

* the cursor's `watermark` W promises: every event with xid < W has been evaluated;
* a batch reads visible rows with xid ≥ W in (xid, id) order, skipping the ids in `ahead`;
* after the batch, W moves to the horizon (or, for a full batch, to the smallest of the horizon
  and the last xid read), and rows already evaluated at or above the new W are kept in `ahead`
  so that a row committed early is evaluated at once without waiting for slower transactions.

This never skips a late-committing row (its xid is ≥ the horizon until it commits, so W cannot
pass it) and never evaluates a row twice. The cursor row is locked FOR UPDATE SKIP LOCKED for
the batch, and the evaluation's alert writes commit with the cursor move, so a worker killed
mid-batch leaves nothing half-done and a restarted or second worker starts from the same place.
Events are partitioned by centre (`hashtext(center_code) % parts`); each partition has its own
cursor, so several workers share the tail.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from alerts import evaluate
from alerts.findings import Evaluation, Place, Rule, dedup_key
from alerts.fold import SeatFold, fold_window_event, seat_unchanged, ticket_key
from alerts.state import MatterInfo, Ticket
from core.enums import CameraStatus, EventKind
from store.repos.alerts import engine as repo

log = logging.getLogger(__name__)
AHEAD_MAX = 50_000  # stop evaluating early past this many rows held above the watermark
TZ = ZoneInfo("Asia/Shanghai")
LONG_WAIT_KEY = dedup_key(Rule.QUEUE_LONG_WAIT, "")  # the prefix of a ticket's long-wait alert


@dataclass(frozen=True, slots=True)
class TailCursor:
    watermark: int
    ahead: tuple[tuple[int, int], ...] = ()  # (xid, id)


def advance(
    cursor: TailCursor, seen: Sequence[tuple[int, int]], horizon: int, full: bool
) -> TailCursor:
    """The cursor after evaluating `seen` (xid, id) rows, in order. `full`: the batch hit its
    limit, so rows above the last one read may remain."""
    mark = min(horizon, seen[-1][0]) if full and seen else horizon
    mark = max(cursor.watermark, mark)
    ahead = tuple(sorted((x, i) for x, i in (*cursor.ahead, *seen) if x >= mark))
    return TailCursor(mark, ahead)


@dataclass
class Batch:
    """The subjects one batch of events touches, grouped for set-at-a-time loading."""

    cases: dict[str, int]  # case_no -> last event id (the trigger)
    fees: list[repo.TailRow]
    windows: dict[str, list[repo.TailRow]]
    tickets: list[repo.TailRow]
    complaints: dict[str, int]
    feeds: dict[tuple[str, str], tuple[str, datetime]]


def group(rows: Sequence[repo.TailRow]) -> Batch:
    b = Batch({}, [], defaultdict(list), [], {}, {})
    for r in rows:
        kind = r.kind
        key = (r.center_code, r.source)
        last = b.feeds.get(key)
        if last is None or r.occurred_at > last[1]:
            b.feeds[key] = (r.region_code, r.occurred_at)
        if kind == EventKind.FEE_CHARGED:
            b.fees.append(r)
        elif r.case_no and kind.startswith("case.") and kind not in evaluate.QUIET_CASE_EVENTS:
            b.cases[r.case_no] = max(r.id, b.cases.get(r.case_no, 0))
        elif kind in (EventKind.PRESENCE_SAMPLE, EventKind.CAMERA_HEALTH) and r.window_code:
            b.windows[r.window_code].append(r)
        elif kind.startswith("queue."):
            b.tickets.append(r)
        elif kind.startswith("complaint.") and r.payload.get("complaint_no"):
            number = str(r.payload["complaint_no"])
            b.complaints[number] = max(r.id, b.complaints.get(number, 0))
    return b


def handle(
    conn: Connection[Any],
    rows: Sequence[repo.TailRow],
    ctx: Any,
    matters: dict[str, MatterInfo],
    applier: Any,
    now: datetime,
) -> None:
    """Evaluate every subject the rows touch, in the caller's transaction; the batch's clears
    are applied in one statement."""
    b = group(rows)
    out: list[tuple[Evaluation, int | None]] = []
    fee_cases = {r.case_no for r in b.fees if r.case_no}
    events = repo.case_events(conn, set(b.cases) | fee_cases)
    for case_no, trigger in b.cases.items():
        out.append((evaluate.case(ctx, case_no, events.get(case_no, []), matters, now), trigger))
    for r in b.fees:
        code = next(
            (e["payload"].get("matter_code") for e in events.get(r.case_no or "", [])
             if e["payload"].get("matter_code")),
            None,
        )  # fmt: skip
        out.append((evaluate.fee(r.__dict__, matters, code), r.id))
    if b.complaints:
        found = repo.complaint_events(conn, b.complaints)
        for number, trigger in b.complaints.items():
            out.append((evaluate.complaint(ctx, number, found.get(number, []), now), trigger))
    if b.tickets:
        out += _tickets(conn, b.tickets, ctx, now)
    if b.windows:
        out += _windows(conn, b.windows, ctx, now)
    applier.many(conn, out, now)
    if b.feeds:
        repo.save_feeds(conn, [(c, s, reg, at) for (c, s), (reg, at) in b.feeds.items()])


def _tickets(
    conn: Connection[Any], rows: list[repo.TailRow], ctx: Any, now: datetime
) -> list[tuple[Evaluation, int | None]]:
    upserts = []
    for r in rows:
        day = r.occurred_at.astimezone(TZ).date()
        key = ticket_key(r.center_code, day, str(r.payload.get("ticket_no")))
        issued = r.kind == EventKind.QUEUE_TICKET_ISSUED
        called = r.occurred_at if not issued else None
        window = r.window_code if issued else None
        upserts.append(
            (
                key,
                r.payload.get("ticket_no"),
                r.region_code,
                r.center_code,
                r.department_code,
                window,
                r.occurred_at,
                called,
            )
        )
    repo.save_tickets(conn, upserts)
    as_of = read_until(now, rows)
    start = datetime.combine(
        as_of.astimezone(TZ).date() - timedelta(days=1), datetime.min.time(), TZ
    )
    centers = {r.center_code for r in rows}
    queues = queue_groups(repo.waiting_tickets(conn, start, centers, LONG_WAIT_KEY))
    touched = {r.window_code or r.department_code or r.center_code for r in rows}
    touched |= {r.department_code or r.center_code for r in rows}
    out: list[tuple[Evaluation, int | None]] = []
    for q in touched:
        place, tickets = queues.get(q, (None, []))
        if place is None:
            r0 = next(r for r in rows if q in (r.window_code, r.department_code, r.center_code))
            place = Place(r0.region_code, r0.center_code, r0.department_code)
        out.append((evaluate.queue(ctx, q, place, tickets, as_of), None))
    return out


def queue_groups(rows: Sequence[repo.TicketRow]) -> dict[str, tuple[Place, list[Ticket]]]:
    out: dict[str, tuple[Place, list[Ticket]]] = {}
    for t in rows:
        place = Place(t.region_code, t.center_code, t.department_code, t.window_code)
        ticket = Ticket(t.key, t.ticket_no, place, t.issued_at, t.called_at)
        q = evaluate.queue_of(ticket)
        out.setdefault(q, (place, []))[1].append(ticket)
    return out


def _windows(
    conn: Connection[Any], rows: dict[str, list[repo.TailRow]], ctx: Any, now: datetime
) -> list[tuple[Evaluation, int | None]]:
    known = {w.window_code: w for w in repo.windows(conn, rows)}
    changed: list[repo.WindowRow] = []
    out: list[tuple[Evaluation, int | None]] = []
    waiting = repo.waiting_counts(conn, _midnight(now))
    for code, events in rows.items():
        w = known.get(code)
        if w is None:
            continue  # not a window of the reference data
        before = seat_of(w)
        seat = before
        for r in sorted(events, key=lambda r: r.occurred_at):
            seat = fold_window_event(seat, r.kind, r.occurred_at, r.payload)
        updated = replace(
            w,
            occupied=seat.occupied,
            empty_since=seat.empty_since,
            last_sample_at=seat.last_sample_at,
            camera_status=str(seat.camera_status),
            camera_since=seat.camera_since,
        )
        changed.append(updated)
        if not seat_unchanged(before, seat) or w.last_sample_at is None:
            place = Place(w.region_code, w.center_code, w.department_code, code)
            n = waiting.get(code, 0) + waiting.get(w.department_code or "", 0)
            ev = evaluate.window(ctx, code, place, seat, n, read_until(now, events))
            out.append((ev, max(r.id for r in events)))
    repo.save_windows(conn, changed)
    return out


def read_until(now: datetime, rows: Sequence[repo.TailRow]) -> datetime:
    """The instant a queue or seat is judged at: the newest of its events read, not the clock.
    An engine catching up on a backlog has not read the events that follow yet (the call of a
    ticket, the return to a seat) and must not take the gap for a wait or an absence."""
    return min(now, max(r.occurred_at for r in rows))


def seat_of(w: repo.WindowRow) -> SeatFold:
    return SeatFold(
        w.occupied, w.empty_since, w.last_sample_at, CameraStatus(w.camera_status), w.camera_since
    )


def _midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(TZ).date(), datetime.min.time(), TZ)


def waiting_for(conn: Connection[Any], w: repo.WindowRow, now: datetime) -> int:
    return repo.waiting_count(conn, w.window_code, w.department_code, _midnight(now))
