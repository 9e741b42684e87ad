"""Periodic jobs of the engine. Each run is claimed with a conditional update of `alert_jobs`
(`claim_job`), so with several workers every run happens once; each job works in one
transaction with the alert writes it causes.

windows    every 15 s  windows that are empty or whose camera is faulty: 空岗 reaches its
                       threshold, lunch and closing clear it, the queue makes it red
queue      every 30 s  tickets waiting too long, backlogs; yesterday's tickets are forgotten
feeds      every 60 s  a centre or source silent in opening hours
spikes     every 5 min complaint and 差评 counts against the seasonal baseline (alerts/spikes.py)
escalate   every 30 s  unacknowledged red alerts climb to the next role after N minutes
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import Connection

from alerts import evaluate, rules
from alerts.context import RuleContext
from alerts.findings import Evaluation, Place, Rule
from alerts.fold import SeatFold
from alerts.lifecycle import SYSTEM, Action, AlertStatus, AlertView, should_escalate
from alerts.spikes import Baseline, fit
from alerts.state import FeedState
from alerts.tail import LONG_WAIT_KEY, queue_groups, waiting_for
from core.enums import CameraStatus, EventKind
from store.repos.alerts import engine as repo
from store.repos.alerts import notify, records

log = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
Apply = Callable[[Connection[Any], Evaluation, datetime, int | None], None]

JOBS: dict[str, timedelta] = {
    "windows": timedelta(seconds=15),
    "queue": timedelta(seconds=30),
    "feeds": timedelta(seconds=60),
    "spikes": timedelta(minutes=5),
    "escalate": timedelta(seconds=30),
}


def _midnight(now: datetime, days_back: int = 0) -> datetime:
    return datetime.combine(
        now.astimezone(TZ).date() - timedelta(days=days_back), datetime.min.time(), TZ
    )


def windows(conn: Connection[Any], ctx: RuleContext, apply: Apply, now: datetime) -> None:
    for w in repo.windows(conn, attention=True):
        seat = SeatFold(
            w.occupied,
            w.empty_since,
            w.last_sample_at,
            CameraStatus(w.camera_status),
            w.camera_since,
        )
        place = Place(w.region_code, w.center_code, w.department_code, w.window_code)
        waiting = waiting_for(conn, w, now)
        apply(conn, evaluate.window(ctx, w.window_code, place, seat, waiting, now), now, None)


def queue(conn: Connection[Any], ctx: RuleContext, apply: Apply, now: datetime) -> None:
    waiting = repo.waiting_tickets(conn, _midnight(now, 1), alerted=LONG_WAIT_KEY)
    for q, (place, tickets) in queue_groups(waiting).items():
        apply(conn, evaluate.queue(ctx, q, place, tickets, now), now, None)
    repo.forget_tickets(conn, _midnight(now, 2))


def feeds(conn: Connection[Any], ctx: RuleContext, apply: Apply, now: datetime) -> None:
    for f in repo.feeds(conn):
        place = Place(f["region_code"], f["center_code"])
        state = FeedState(f["source"], place, f["last_event_at"])
        cal = ctx.calendar_for(place.region_code)
        schedule = ctx.schedule_for(place.center_code)
        params = ctx.params_for(place.center_code)
        apply(conn, rules.feed_evaluation(state, now, cal, schedule, params), now, None)


class Spikes:
    """The spike job, with each subject's baseline fitted once a day (the tested day is the
    guard band, so the fit does not change during the day)."""

    def __init__(self) -> None:
        self._baselines: dict[tuple[Rule, str], tuple[object, Baseline | None]] = {}

    def __call__(
        self, conn: Connection[Any], ctx: RuleContext, apply: Apply, now: datetime
    ) -> None:
        history_start = _midnight(now, ctx.spike.history_days)
        series: dict[tuple[Rule, str], tuple[Place, list[datetime]]] = {}
        for e in repo.spike_events(conn, history_start):
            rule = evaluate.SPIKE_KINDS[EventKind(e["kind"])]
            dept = Place(e["region_code"], e["center_code"], e["department_code"])
            centre = Place(e["region_code"], e["center_code"])
            for subject, place in ((e["department_code"], dept), (e["center_code"], centre)):
                if subject:
                    series.setdefault((rule, subject), (place, []))[1].append(e["occurred_at"])
        active = {a.dedup_key for a in records_active_spikes(conn)}
        for key, (place, times) in series.items():
            recent = [t for t in times if t >= now - ctx.spike.window]
            dedup = f"{key[0]}:{key[1]}"
            if len(recent) < ctx.spike.min_count and dedup not in active:
                continue
            baseline = self._baseline(key, times, history_start, now, ctx)
            if baseline is None:
                continue
            hourly = _hourly(times, now - timedelta(hours=24), now)
            apply(
                conn,
                evaluate.spike(ctx, key[0], key[1], place, baseline, recent, hourly, now),
                now,
                None,
            )

    def _baseline(
        self,
        key: tuple[Rule, str],
        times: list[datetime],
        start: datetime,
        now: datetime,
        ctx: RuleContext,
    ) -> Baseline | None:
        today = now.astimezone(TZ).date()
        cached = self._baselines.get(key)
        if cached is not None and cached[0] == today:
            return cached[1]
        points = [(t, float(n)) for t, n in _hourly(times, start, _midnight(now))]
        baseline = fit(points, HOUR, ctx.calendar, TZ, ctx.spike)
        self._baselines[key] = (today, baseline)
        return baseline


def _hourly(times: list[datetime], start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    counts: dict[datetime, int] = {}
    for t in times:
        hour = t.astimezone(TZ).replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + 1
    out, t = [], start.astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    while t < end:
        out.append((t, counts.get(t, 0)))
        t += HOUR
    return out


def records_active_spikes(conn: Connection[Any]) -> list[records.AlertRow]:
    from store.repos.alerts import board

    return [
        a
        for rule in (Rule.COMPLAINT_SPIKE, Rule.BAD_RATING_SPIKE)
        for a in board.list_alerts(conn, region_prefix="", rule=rule.value, limit=1000)
    ]


def escalate(conn: Connection[Any], ctx: RuleContext, apply: Apply, now: datetime) -> None:
    for a in repo.unacknowledged_red(conn):
        view = AlertView(AlertStatus(a["status"]), a["level"], a["escalation_role"])
        minutes = ctx.escalate_minutes.get(a["center_code"], 30)
        if should_escalate(
            view, a["created_at"], a["escalated_at"], now, timedelta(minutes=minutes)
        ):
            reason = f"红牌 {minutes} 分钟未确认"
            records.act(conn, a["id"], Action.ESCALATE, SYSTEM, reason=reason, audit_log=False)
            row = records.get(conn, a["id"])
            if row is not None:
                notify.enqueue(conn, row.id, "escalated", row.level, records.labels(row))
