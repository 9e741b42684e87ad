"""The alert engine: one loop per worker that, in turn, tails the events (one batch per
partition), fires due clocks, runs the periodic jobs that are due, and sleeps briefly when there
was nothing to do. Restart-safe and safe to run as several workers: the tail's partitions and the
clocks are claimed with FOR UPDATE SKIP LOCKED, periodic runs with a conditional update, and
every evaluation commits with the position it consumed (alerts/tail.py explains the cursor).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from alerts import jobs, tail, timers
from alerts.apply import Applier
from alerts.context import RuleContext
from alerts.metrics import AlertMetrics
from alerts.rules import RuleParams
from alerts.state import MatterInfo
from core.calendar import WorkingCalendar, official_calendar
from core.reference import Schedule
from store.repos.alerts import board
from store.repos.alerts import engine as repo
from store.repos.alerts import silences as silence_repo

log = logging.getLogger(__name__)
REFRESH = 30.0  # seconds between reloads of calendars, settings, silences and matters
JOBS_DEFER_MAX = 60.0  # seconds the periodic jobs wait while the tail reads a backlog


def now_utc() -> datetime:
    return datetime.now(UTC)


def load_context(conn: Connection[Any]) -> RuleContext:
    """Calendars, opening hours, per-centre settings and policy presets from the store."""
    from store.repos.calendar import CalendarNotLoaded, load_calendar

    try:
        calendar: WorkingCalendar = load_calendar(conn)
    except CalendarNotLoaded:
        calendar = official_calendar()
    schedules = {code: Schedule.model_validate(s) for code, s in repo.schedules(conn).items()}
    settings = repo.center_settings(conn)
    params = {
        c: RuleParams(empty_minutes=s["empty_minutes"], stale_minutes=s["stale_minutes"])
        for c, s in settings.items()
    }
    return RuleContext(
        calendar=calendar,
        schedules=schedules,
        params=params,
        presets=repo.policies(conn),
        escalate_minutes={c: s["escalate_minutes"] for c, s in settings.items()},
    )


class Engine:
    def __init__(
        self,
        pool: ConnectionPool,
        *,
        worker: str = "alerts",
        parts: int = 4,
        batch: int = 1000,
        metrics: AlertMetrics | None = None,
        clock: Callable[[], datetime] = now_utc,
    ) -> None:
        self.pool, self.worker, self.parts, self.batch = pool, worker, parts, batch
        self.metrics = metrics
        self.clock = clock
        self.spikes = jobs.Spikes()
        self._loaded_at = -1e9
        self.ctx = RuleContext(calendar=official_calendar())
        self.applier = Applier(self.ctx, metrics=metrics)
        self.matters: dict[str, MatterInfo] = {}
        self._behind_since: float | None = None

    # -------------------------------------------------------------- pieces

    def refresh(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._loaded_at < REFRESH:
            return
        with self.pool.connection() as conn:
            self.ctx = load_context(conn)
            self.applier.ctx = self.ctx
            self.applier.silences = silence_repo.in_force(conn, self.clock())
            self.matters = repo.matters(conn)
            if self.metrics is not None:
                self.metrics.set_open(board.open_counts(conn))
        self._loaded_at = time.monotonic()

    def tail_once(self, part: int) -> int:
        started = time.perf_counter()
        with self.pool.connection() as conn, conn.transaction():
            row = repo.lock_cursor(conn, f"events/{part}-of-{self.parts}")
            if row is None:
                return 0  # another worker holds this partition
            cursor = tail.TailCursor(row.watermark, tuple((x, i) for x, i in row.ahead))
            rows, horizon = repo.tail_rows(
                conn,
                watermark=cursor.watermark,
                ahead_ids=[i for _, i in cursor.ahead],
                part=part,
                parts=self.parts,
                limit=self.batch,
                eager=len(cursor.ahead) < tail.AHEAD_MAX,
            )
            if rows:
                tail.handle(conn, rows, self.ctx, self.matters, self.applier, self.clock())
            new = tail.advance(
                cursor, [(r.xid, r.id) for r in rows], horizon, len(rows) >= self.batch
            )
            if new != cursor:
                repo.save_cursor(conn, row.name, new.watermark, [list(a) for a in new.ahead])
        if rows and self.metrics is not None:
            self.metrics.events.inc(len(rows))
            self.metrics.evaluation_seconds.labels("tail").observe(time.perf_counter() - started)
        return len(rows)

    def timers_once(self) -> int:
        started = time.perf_counter()
        with self.pool.connection() as conn, conn.transaction():
            n = timers.fire_due(conn, self.ctx, self.applier, self.clock(), self.metrics)
        if n and self.metrics is not None:
            self.metrics.evaluation_seconds.labels("timers").observe(time.perf_counter() - started)
        return n

    def jobs_once(self) -> int:
        ran = 0
        table: dict[str, Callable[..., None]] = {
            "windows": jobs.windows,
            "queue": jobs.queue,
            "feeds": jobs.feeds,
            "spikes": self.spikes,
            "escalate": jobs.escalate,
        }
        for name, every in jobs.JOBS.items():
            ran += self._job(name, every, table[name])
        return ran

    def _job(self, name: str, every: timedelta, job: Callable[..., None]) -> int:
        started = time.perf_counter()
        with self.pool.connection() as conn:
            with conn.transaction():
                if not repo.claim_job(conn, name, every, self.worker):
                    return 0
            error = None
            try:
                with conn.transaction():
                    job(conn, self.ctx, self.applier, self.clock())
            except Exception as exc:  # the worker boundary: keep the loop alive, save the error
                log.exception("alert job %s failed", name)
                error = f"{type(exc).__name__}: {exc}"
            seconds = time.perf_counter() - started
            with conn.transaction():
                repo.finish_job(conn, name, seconds, error)
        if self.metrics is not None:
            self.metrics.evaluation_seconds.labels(name).observe(seconds)
        return 1

    # -------------------------------------------------------------- loop

    def step(self) -> int:
        """One round: every tail partition, due timers, due jobs. Returns the work done."""
        self.refresh()
        read = [self.tail_once(p) for p in range(self.parts)]
        done = sum(read) + self.timers_once()
        if not self._catching_up(any(n >= self.batch for n in read)):
            done += self.jobs_once()
        return done

    def _catching_up(self, behind: bool) -> bool:
        """The periodic jobs judge the present (a ticket waiting now, a window empty now): not
        while the tail is reading a backlog whose later events may settle it — but for at most
        JOBS_DEFER_MAX, so a sustained full tail does not starve them."""
        if not behind:
            self._behind_since = None
            return False
        if self._behind_since is None:
            self._behind_since = time.monotonic()
        return time.monotonic() - self._behind_since < JOBS_DEFER_MAX

    def run(self, stopping: threading.Event, idle: float = 0.05) -> None:
        log.info("alert engine %s running (%d partitions)", self.worker, self.parts)
        self.refresh(force=True)
        while not stopping.is_set():
            try:
                busy = self.step()
            except Exception:  # the worker boundary: log, back off, go on
                log.exception("alert engine round failed")
                busy = 0
                stopping.wait(1.0)
            if not busy:
                stopping.wait(idle)
