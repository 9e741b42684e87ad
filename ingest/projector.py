"""The projector: reads the events table in id order (= commit order, see store/repos/events.py)
and keeps `cases`, `complaints`, their `clocks`, `window_state` and — for halls whose video runs
at the edge — `presence_samples` current.

Each batch, in one transaction with the cursor: the subjects the batch touches are loaded, and
each is folded forward with its new events (ingest/fold.py) — unless one of them occurred before
the subject's last folded event, in which case the subject is rebuilt from all its events. Clock
rows are recomputed when a case's clock inputs changed. One projector runs at a time (advisory
lock); any number may try.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from core.calendar import WorkingCalendar, official_calendar
from core.clocks import PolicyName
from core.enums import CameraStatus, EventKind
from core.reference import Schedule
from ingest import clockwork
from ingest.fold import CASE_KINDS, COMPLAINT_KINDS, complaint_no, fold_case, fold_complaint
from ingest.metrics import IngestMetrics
from store.repos import calendar as calendar_repo
from store.repos import cases as case_repo
from store.repos import events as event_repo
from store.repos import ingest as ingest_repo
from store.repos import presence as presence_repo
from store.repos import window_state
from store.repos.cases import CaseRow
from store.repos.clocks import ClockRow, save_clocks
from store.repos.events import EventRow

log = logging.getLogger(__name__)

PROJECTOR_LOCK = 0x4857_5052  # "HWPR"
CURSOR = ingest_repo.PROJECTIONS_CURSOR
QUEUE_KINDS = frozenset(
    {EventKind.QUEUE_TICKET_ISSUED, EventKind.QUEUE_TICKET_CALLED, EventKind.QUEUE_TICKET_SERVED}
)
ATTENDANCE_KINDS = frozenset({EventKind.ATTENDANCE_CLOCK_IN, EventKind.ATTENDANCE_CLOCK_OUT})
PRESENCE_KINDS = frozenset({EventKind.PRESENCE_SAMPLE, EventKind.CAMERA_HEALTH})
_CLOCK_ERRORS = (ValueError, OverflowError, ArithmeticError, KeyError, TypeError)


@dataclass
class Progress:
    events: int = 0
    cases: int = 0
    complaints: int = 0
    windows: int = 0
    recomputed: int = 0
    clocks: int = 0
    presence: int = 0  # presence_samples rows added from events

    def add(self, other: Progress) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class References:
    """What clocks need from reference data, reloaded every `ttl_s`."""

    ttl_s: float = 30.0
    schedules: dict[str, tuple[str, Schedule]] = field(default_factory=dict)
    matters: dict[str, tuple[int, int]] = field(default_factory=dict)
    policies: dict[tuple[str, str], str] = field(default_factory=dict)
    national: WorkingCalendar | None = None
    regions: dict[str, WorkingCalendar] = field(default_factory=dict)
    loaded_at: float = -1e9

    def refresh(self, conn: psycopg.Connection[Any]) -> None:
        if time.monotonic() - self.loaded_at < self.ttl_s:
            return
        self.schedules = {
            code: (region, Schedule.model_validate(raw))
            for code, (region, raw) in ingest_repo.center_schedules(conn).items()
        }
        self.matters = ingest_repo.matter_days(conn)
        self.policies = ingest_repo.case_policies(conn)
        try:
            national = calendar_repo.load_calendar(conn)
        except calendar_repo.CalendarNotLoaded:
            national = official_calendar()
        if self.national is None or national.version != self.national.version:
            self.regions = {}
        self.national = national
        self.loaded_at = time.monotonic()

    def calendar(self, region_code: str) -> WorkingCalendar:
        cal = self.regions.get(region_code)
        if cal is None:
            assert self.national is not None
            cal = self.regions[region_code] = self.national.for_region(region_code)
        return cal

    def context(
        self, center_code: str, region_code: str, matter: str | None, rules: clockwork.ClockRules
    ) -> clockwork.Context:
        schedule = self.schedules.get(center_code, (region_code, Schedule()))[1]
        preset = self.policies.get(("matter", matter or "")) or self.policies.get(
            ("center", center_code)
        )
        return clockwork.Context(
            calendar=self.calendar(region_code),
            schedule=schedule,
            rules=rules,
            policy=PolicyName(preset) if preset else None,
            matter_days=self.matters.get(matter or ""),
        )


def _clock_inputs(c: CaseRow | None) -> tuple[Any, ...] | None:
    if c is None:
        return None
    return (
        c.applied_at, c.accepted_at, c.refused_at, c.completed_at, c.first_supplement_at,
        c.pauses, c.extensions, c.promised_days, c.legal_days, c.matter_code, c.case_type,
        c.department_code, c.region_code, c.center_code,
    )  # fmt: skip


def presence_row(e: EventRow) -> presence_repo.PresenceRow | None:
    """The presence_samples row an event stands for: a seat observation, or the start of a
    camera fault (the seat unknown from then on); None for everything else."""
    code = e.payload.get("camera_code")
    if e.kind not in PRESENCE_KINDS or not code:
        return None
    if e.kind == EventKind.PRESENCE_SAMPLE:
        score = e.payload.get("score")
        return presence_repo.PresenceRow(
            e.occurred_at, str(code), e.window_code, int(e.payload.get("seat") or 0),
            bool(e.payload.get("occupied")), None if score is None else float(score),
            CameraStatus.OK.value,
        )  # fmt: skip
    status = str(e.payload.get("status") or "")
    if status == CameraStatus.OK or status not in CameraStatus._value2member_map_:
        return None  # back to OK: the samples that follow say what the seat shows
    return presence_repo.PresenceRow(e.occurred_at, str(code), e.window_code, 0, None, None, status)


def _group(
    events: Iterable[EventRow], key: Callable[[EventRow], str | None]
) -> dict[str, list[EventRow]]:
    out: dict[str, list[EventRow]] = defaultdict(list)
    for e in events:
        k = key(e)
        if k is not None:
            out[k].append(e)
    return out


class Projector:
    def __init__(
        self,
        *,
        batch_events: int = 20_000,
        rules: clockwork.ClockRules | None = None,
        metrics: IngestMetrics | None = None,
        cursor: str = CURSOR,
    ) -> None:
        self.batch_events = batch_events
        self.rules = rules or clockwork.ClockRules()
        self.metrics = metrics or IngestMetrics(registry=None)
        self.cursor = cursor
        self.refs = References()

    # ------------------------------------------------------------ one batch

    def run_once(self, conn: psycopg.Connection[Any]) -> Progress | None:
        """Fold the next batch; None if another projector holds the lock. `conn` must be in
        autocommit mode (the batch is one transaction of its own)."""
        if not conn.autocommit:
            raise ValueError("the projector needs an autocommit connection")
        with conn.transaction():
            if not ingest_repo.try_lock(conn, PROJECTOR_LOCK):
                return None
            position = ingest_repo.cursor_position(conn, self.cursor)
            events = event_repo.events_after(conn, position, self.batch_events)
            if not events:
                return Progress()
            self.refs.refresh(conn)
            progress = Progress(events=len(events))
            self._cases(conn, events, progress)
            self._complaints(conn, events, progress)
            self._windows(conn, events, progress)
            self._presence(conn, events, progress)
            ingest_repo.set_cursor_position(conn, self.cursor, events[-1].id)
        self.metrics.projected.inc(len(events))
        return progress

    def _cases(self, conn: psycopg.Connection[Any], events: list[EventRow], p: Progress) -> None:
        groups = _group(events, lambda e: e.case_no if e.kind in CASE_KINDS else None)
        if not groups:
            return
        stored = case_repo.load_cases(conn, list(groups))
        folded, late = _fold_groups(groups, stored, fold_case)
        if late:
            everything = _group(event_repo.case_events(conn, late), lambda e: e.case_no)
            for no in late:
                folded[no] = fold_case(None, everything[no])
            self.metrics.recomputed.labels("case").inc(len(late))
        clocks: list[ClockRow] = []
        rebuilt = set(late)
        for no, case in folded.items():
            if no in rebuilt or _clock_inputs(case) != _clock_inputs(stored.get(no)):
                clocks += self._case_clocks(case)  # also sets the case's due times
        case_repo.save_cases(conn, [c for c in folded.values() if c is not None])
        p.clocks += save_clocks(conn, clocks)
        p.cases += len(folded)
        p.recomputed += len(late)

    def _case_clocks(self, case: CaseRow) -> list[ClockRow]:
        ctx = self.refs.context(case.center_code, case.region_code, case.matter_code, self.rules)
        try:
            rows = clockwork.case_clocks(case, ctx)
        except _CLOCK_ERRORS:
            log.warning("clocks of case %s not computed", case.case_no, exc_info=True)
            return []
        due = clockwork.due_times(rows)
        case.promised_due_at = due.get(clockwork.ClockKind.PROMISED)
        case.legal_due_at = due.get(clockwork.ClockKind.LEGAL)
        return rows

    def _complaints(
        self, conn: psycopg.Connection[Any], events: list[EventRow], p: Progress
    ) -> None:
        groups = _group(events, lambda e: complaint_no(e) if e.kind in COMPLAINT_KINDS else None)
        if not groups:
            return
        stored = case_repo.load_complaints(conn, list(groups))
        folded, late = _fold_groups(groups, stored, fold_complaint)
        if late:
            everything = _group(event_repo.complaint_events(conn, late), complaint_no)
            for no in late:
                folded[no] = fold_complaint(None, everything[no])
            self.metrics.recomputed.labels("complaint").inc(len(late))
        clocks: list[ClockRow] = []
        for c in folded.values():
            ctx = self.refs.context(c.center_code, c.region_code, None, self.rules)
            try:
                clocks += clockwork.complaint_clocks(c, ctx)
            except _CLOCK_ERRORS:
                log.warning("clocks of complaint %s not computed", c.complaint_no, exc_info=True)
        case_repo.save_complaints(conn, folded.values())
        p.clocks += save_clocks(conn, clocks)
        p.complaints += len(folded)
        p.recomputed += len(late)

    def _windows(self, conn: psycopg.Connection[Any], events: list[EventRow], p: Progress) -> None:
        queue: dict[str, window_state.QueueActivity] = {}
        staff: dict[str, window_state.AttendanceMark] = {}
        for e in events:
            if e.kind in QUEUE_KINDS and e.window_code:
                q = queue.get(e.window_code)
                if q is None or e.occurred_at >= q.at:
                    ticket = e.payload.get("ticket_no")
                    queue[e.window_code] = window_state.QueueActivity(
                        e.window_code, e.region_code, e.center_code, e.department_code,
                        e.occurred_at, e.kind, ticket,
                    )  # fmt: skip
            elif e.kind in ATTENDANCE_KINDS and e.staff_id:
                m = staff.get(e.staff_id)
                if m is None or e.occurred_at >= m.at:
                    staff[e.staff_id] = window_state.AttendanceMark(
                        e.staff_id, e.window_code, e.region_code, e.center_code,
                        e.department_code, e.occurred_at, e.kind,
                    )  # fmt: skip
        window_state.merge_queue(conn, list(queue.values()))
        window_state.merge_attendance(conn, list(staff.values()))
        p.windows += len(queue) + len({m.window_code for m in staff.values()})

    def _presence(self, conn: psycopg.Connection[Any], events: list[EventRow], p: Progress) -> None:
        rows = [r for r in map(presence_row, events) if r is not None]
        p.presence += presence_repo.add_missing(conn, rows)

    # ------------------------------------------------------------ loops

    def catch_up(self, conn: psycopg.Connection[Any], timeout_s: float = 600.0) -> Progress:
        """Fold until no event is left (waits while another projector holds the lock)."""
        total = Progress()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            step = self.run_once(conn)
            if step is None:
                time.sleep(0.05)
                continue
            if step.events == 0:
                return total
            total.add(step)
        raise TimeoutError("the projector did not catch up in time")

    def lag(self, conn: psycopg.Connection[Any]) -> int:
        return max(0, event_repo.last_id(conn) - ingest_repo.cursor_position(conn, self.cursor))

    def _report_lag(self, conn: psycopg.Connection[Any] | None) -> None:
        if conn is None or conn.closed:
            return
        try:
            self.metrics.projector_lag.set(self.lag(conn))
        except psycopg.Error:
            log.debug("projector lag not measured", exc_info=True)

    def loop(
        self,
        connect: Callable[[], psycopg.Connection[Any]],
        stopping: threading.Event,
        wake: threading.Event | None = None,
        idle_s: float = 1.0,
        busy: Callable[[], bool] | None = None,
        max_lag: int = 200_000,
    ) -> None:
        """Run until `stopping` is set: fold while there is work, then wait for `wake` (the
        writer's commit) or `idle_s`; database failures are retried. Ingest comes first: while
        `busy()` (the writer is taking a burst) the projector waits, unless it is more than
        `max_lag` events behind."""
        conn: psycopg.Connection[Any] | None = None
        while not stopping.is_set():
            try:
                if conn is None or conn.closed:
                    conn = connect()
                if busy is not None and busy() and self.lag(conn) < max_lag:
                    stopping.wait(0.2)
                    continue
                step = self.run_once(conn)
                if step is not None and step.events:
                    continue
                self.metrics.projector_lag.set(self.lag(conn))
            except psycopg.OperationalError as exc:
                log.warning("projector: database unavailable (%s); retrying", exc)
                _close(conn)
                conn = None
                stopping.wait(1.0)
                continue
            except psycopg.Error:
                log.exception("projector: batch failed; retrying in 5 s")
                self._report_lag(conn)  # a stuck projector shows (HallWatchProjectorStalled)
                stopping.wait(5.0)
                continue
            if wake is not None:
                wake.wait(idle_s)
                wake.clear()
            else:
                stopping.wait(idle_s)
        _close(conn)


def _fold_groups(
    groups: dict[str, list[EventRow]],
    stored: dict[str, Any],
    fold: Callable[[Any, Sequence[EventRow]], Any],
) -> tuple[dict[str, Any], list[str]]:
    """Fold each subject forward; list those that got an event older than their last one."""
    folded: dict[str, Any] = {}
    late: list[str] = []
    for key, new in groups.items():
        state = stored.get(key)
        if state is not None and min(e.occurred_at for e in new) < state.last_event_at:
            late.append(key)
        else:
            folded[key] = fold(state, new)
    return folded, late


def _close(conn: psycopg.Connection[Any] | None) -> None:
    if conn is not None:
        try:
            conn.close()
        except psycopg.Error:
            log.debug("closing the projector's connection failed", exc_info=True)
