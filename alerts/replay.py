"""Replay: the engine's decisions over a stream of events in *simulated* time, in memory.

It folds events and asks the rules exactly as the engine does (`alerts.evaluate`, `alerts.fold`),
fires each subject's timer at its `next_check_at`, and runs the spike test every few simulated
minutes; it records every alert it would raise, every level it reaches and when it clears. The
sim scoring test and `hallwatch alerts replay` use it to measure recall and precision against the
twin's ground truth without a month of wall-clock time.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alerts import evaluate
from alerts.context import RuleContext
from alerts.findings import Clear, Evaluation, Finding, Place, Rule
from alerts.fold import SeatFold, fold_window_event, seat_unchanged, ticket_key
from alerts.spikes import Baseline, fit
from alerts.state import MatterInfo, Ticket, event_place
from core.enums import EventKind

SPIKE_EVERY = timedelta(minutes=5)
TICK = timedelta(hours=1)


@dataclass
class ReplayAlert:
    rule: Rule
    subject: str
    place: Place
    raised_at: datetime
    levels: list[tuple[str, datetime]] = field(default_factory=list)  # level reached, when
    cleared_at: datetime | None = None
    case_no: str | None = None
    repeats: int = 0
    occurrence: str = ""


@dataclass(order=True)
class _Timer:
    at: datetime
    key: str = field(compare=False)
    fire: Callable[[datetime], Evaluation] = field(compare=False)


class Replay:
    def __init__(self, ctx: RuleContext, matters: Mapping[str, MatterInfo]) -> None:
        self.ctx, self.matters = ctx, matters
        self.alerts: list[ReplayAlert] = []
        self.active: dict[str, ReplayAlert] = {}
        self._timers: list[_Timer] = []
        self._timer_at: dict[str, datetime] = {}
        self._cases: dict[str, list[Mapping[str, Any]]] = {}
        self._complaints: dict[str, list[Mapping[str, Any]]] = {}
        self._seats: dict[str, tuple[Place, SeatFold]] = {}
        self._seen: set[str] = set()
        self._tickets: dict[str, dict[str, Ticket]] = {}  # queue -> key -> ticket
        self._counts: dict[tuple[Rule, str], tuple[Place, deque[datetime]]] = {}
        self._hourly: dict[tuple[Rule, str], dict[datetime, int]] = {}
        self._baselines: dict[tuple[Rule, str], tuple[date, Baseline | None]] = {}
        self._next_spike: datetime | None = None
        self._start: datetime | None = None
        self.tz = ZoneInfo("Asia/Shanghai")

    # -------------------------------------------------------------- driving

    def run(self, events: Iterable[Mapping[str, Any]], until: datetime | None = None) -> None:
        last: datetime | None = None
        for e in events:
            at = _at(e["occurred_at"])
            self._advance(at)
            self.event(e, at)
            last = at
        if until is not None or last is not None:
            self._advance(until or last)  # type: ignore[arg-type]

    def _advance(self, now: datetime) -> None:
        if self._start is None:
            self._start = now
            self._next_spike = now
        while self._timers and self._timers[0].at <= now:
            t = heapq.heappop(self._timers)
            if self._timer_at.get(t.key) != t.at:
                continue
            del self._timer_at[t.key]
            self.apply(t.key, t.fire(t.at), t.at, t.fire)
        while self._next_spike is not None and self._next_spike <= now:
            self._spikes(self._next_spike)
            self._next_spike += SPIKE_EVERY

    def apply(
        self,
        key: str,
        ev: Evaluation,
        now: datetime,
        again: Callable[[datetime], Evaluation] | None = None,
    ) -> None:
        for o in ev.outcomes:
            if isinstance(o, Clear):
                alert = self.active.pop(o.dedup_key, None)
                if alert is not None:
                    alert.cleared_at = now
            else:
                self._finding(o, now)
        if again is not None:
            if ev.next_check_at is not None:
                self._timer_at[key] = ev.next_check_at
                heapq.heappush(self._timers, _Timer(ev.next_check_at, key, again))
            else:
                self._timer_at.pop(key, None)

    def _finding(self, f: Finding, now: datetime) -> None:
        alert = self.active.get(f.dedup_key)
        if alert is None:
            alert = ReplayAlert(f.rule, f.subject, f.place, now, [(f.level, now)], None, f.case_no)
            alert.occurrence = f.occurrence
            self.alerts.append(alert)
            self.active[f.dedup_key] = alert
        elif alert.levels[-1][0] != f.level:
            alert.levels.append((f.level, now))
        elif f.occurrence != alert.occurrence:
            alert.repeats += 1
        alert.occurrence = f.occurrence

    # -------------------------------------------------------------- events

    def event(self, e: Mapping[str, Any], at: datetime) -> None:
        kind = e["kind"]
        if e.get("case_no") and kind.startswith("case."):
            self._case(e, at)
        elif kind == EventKind.FEE_CHARGED:
            self._cases.setdefault(e["case_no"], []).append(e)
            code = next(
                (
                    x["payload"].get("matter_code")
                    for x in self._cases[e["case_no"]]
                    if x["payload"].get("matter_code")
                ),
                None,
            )
            self.apply("", evaluate.fee(e, self.matters, code), at)
        elif kind in (EventKind.PRESENCE_SAMPLE, EventKind.CAMERA_HEALTH):
            self._window(e, at)
        elif kind.startswith("queue."):
            self._queue(e, at)
        elif kind.startswith("complaint."):
            self._complaint(e, at)
        if kind in (EventKind.COMPLAINT_FILED, EventKind.RATING_SUBMITTED):
            self._count(e, at)

    def _case(self, e: Mapping[str, Any], at: datetime) -> None:
        case_no = e["case_no"]
        events = self._cases.setdefault(case_no, [])
        events.append(e)
        if e["kind"] in evaluate.QUIET_CASE_EVENTS:
            return

        def again(now: datetime) -> Evaluation:
            return evaluate.case(self.ctx, case_no, events, self.matters, now)

        self.apply(f"case:{case_no}", again(at), at, again)

    def _complaint(self, e: Mapping[str, Any], at: datetime) -> None:
        number = str(e["payload"]["complaint_no"])
        events = self._complaints.setdefault(number, [])
        events.append(e)

        def again(now: datetime) -> Evaluation:
            return evaluate.complaint(self.ctx, number, list(events), now)

        self.apply(f"complaint:{number}", again(at), at, again)

    def _window(self, e: Mapping[str, Any], at: datetime) -> None:
        code = e["window_code"]
        known = self._seats.get(code)
        place, before = known if known is not None else (event_place(e), SeatFold())
        seat = fold_window_event(before, e["kind"], at, e["payload"])
        self._seats[code] = (place, seat)
        if seat_unchanged(before, seat) and code in self._seen:
            return
        self._seen.add(code)
        self.apply(f"window:{code}", self._window_eval(code)(at), at, self._window_eval(code))

    def _window_eval(self, code: str) -> Callable[[datetime], Evaluation]:
        def again(now: datetime) -> Evaluation:
            place, seat = self._seats[code]
            n = len(self._tickets.get(code, {})) + len(
                self._tickets.get(place.department_code or "", {})
            )
            return evaluate.window(self.ctx, code, place, seat, n, now)

        return again

    def _queue(self, e: Mapping[str, Any], at: datetime) -> None:
        day = at.astimezone(self.tz).date()
        key = ticket_key(e["center_code"], day, str(e["payload"]["ticket_no"]))
        if e["kind"] == EventKind.QUEUE_TICKET_ISSUED:
            self._purge(day, at)
            ticket = Ticket(key, e["payload"]["ticket_no"], event_place(e), at)
            queue = evaluate.queue_of(ticket)
            self._tickets.setdefault(queue, {})[key] = ticket
        else:
            queue = evaluate.queue_of(Ticket(key, "", event_place(e), at))
            found = next(
                (
                    q
                    for q in (queue, e.get("department_code"))
                    if key in self._tickets.get(q or "", {})
                ),
                None,
            )
            if found is None:
                return
            queue = found
            del self._tickets[queue][key]
            self.apply("", Evaluation((Clear(Rule.QUEUE_LONG_WAIT, key, "已叫号"),)), at)
        place = event_place(e)
        where = Place(place.region_code, place.center_code, place.department_code)

        def again(now: datetime) -> Evaluation:
            return evaluate.queue(
                self.ctx, queue, where, list(self._tickets.get(queue, {}).values()), now
            )

        self.apply(f"queue:{queue}", again(at), at, again)

    def _purge(self, day: date, at: datetime) -> None:
        """Tickets never called (the applicant left at closing) end with their day."""
        for queue, tickets in self._tickets.items():
            stale = [k for k, t in tickets.items() if t.issued_at.astimezone(self.tz).date() < day]
            for k in stale:
                del tickets[k]
            if stale:
                clears = tuple(Clear(Rule.QUEUE_LONG_WAIT, k, "当日已结束") for k in stale)
                self.apply(
                    "", Evaluation((*clears, Clear(Rule.QUEUE_BACKLOG, queue, "当日已结束"))), at
                )

    # -------------------------------------------------------------- spikes

    def _count(self, e: Mapping[str, Any], at: datetime) -> None:
        rule = evaluate.SPIKE_KINDS[EventKind(e["kind"])]
        if rule == Rule.BAD_RATING_SPIKE and int(e["payload"].get("score", 0)) < 4:
            return
        place = event_place(e)
        hour = at.astimezone(self.tz).replace(minute=0, second=0, microsecond=0)
        subjects = [
            (
                place.department_code or "",
                Place(place.region_code, place.center_code, place.department_code),
            )
        ]
        subjects.append((place.center_code, Place(place.region_code, place.center_code)))
        for subject, where in subjects:
            _, times = self._counts.setdefault((rule, subject), (where, deque()))
            times.append(at)
            hourly = self._hourly.setdefault((rule, subject), {})
            hourly[hour] = hourly.get(hour, 0) + 1

    def _spikes(self, now: datetime) -> None:
        window = self.ctx.spike.window
        for key, (place, times) in self._counts.items():
            while times and times[0] < now - window:
                times.popleft()
            dedup = f"{key[0]}:{key[1]}"
            if len(times) < self.ctx.spike.min_count:
                if dedup in self.active:
                    self.apply("", Evaluation((Clear(key[0], key[1], "计数回落到基线"),)), now)
                continue
            baseline = self._baseline(key, now)
            if baseline is None:
                continue
            history = sorted(self._hourly[key].items())
            ev = evaluate.spike(
                self.ctx, key[0], key[1], place, baseline, list(times), history, now
            )
            self.apply("", ev, now)

    def _baseline(self, key: tuple[Rule, str], now: datetime) -> Baseline | None:
        today = now.astimezone(self.tz).date()
        cached = self._baselines.get(key)
        if cached is not None and cached[0] == today:
            return cached[1]
        assert self._start is not None
        first = max(
            self._start.astimezone(self.tz).replace(minute=0, second=0, microsecond=0),
            datetime.combine(
                today - timedelta(days=self.ctx.spike.history_days), datetime.min.time(), self.tz
            ),
        )
        midnight = datetime.combine(today, datetime.min.time(), self.tz)
        hourly = self._hourly.get(key, {})
        points, t = [], first
        while t < midnight:
            points.append((t, float(hourly.get(t, 0))))
            t += TICK
        baseline = fit(points, TICK, self.ctx.calendar, self.tz, self.ctx.spike)
        self._baselines[key] = (today, baseline)
        return baseline


def _at(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
