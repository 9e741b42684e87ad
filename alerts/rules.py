"""The alert rules: pure functions, state and `now` in, findings out (STYLE.md habit 2).

Seven families (issue 5): clocks, window empty / camera fault, complaint and 差评 spikes, fees,
process anomalies, queue, stale feeds. Each returns an `Evaluation`: findings (raise or update an
alert), clears (auto-resolve) and `next_check_at`, the instant the engine should look again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from alerts.findings import RULE_LABELS, Clear, Evaluation, Finding, Outcome, Place, Rule
from alerts.spikes import SpikeParams, is_spike
from alerts.state import (
    CaseTimeline,
    ClockState,
    FeeCharge,
    FeedState,
    MatterInfo,
    Ticket,
    WindowState,
    case_clocks,
)
from core.calendar import WorkingCalendar
from core.clocks import (
    SEVERITY,
    Anchor,
    Budget,
    BudgetUnit,
    Clock,
    Threshold,
    WarningPolicy,
    due_at,
    level_due_times,
)
from core.enums import ALERT_LEVEL_LABELS, AlertLevel, CameraStatus, CaseType, EventKind
from core.reference import Schedule

Y, R, W = AlertLevel.YELLOW, AlertLevel.RED, AlertLevel.WARNING


@dataclass(frozen=True, slots=True)
class RuleParams:
    """Thresholds of the non-clock rules (per centre; defaults from DOMAIN.md and issue 5)."""

    empty_minutes: int = 15  # 空岗: nobody in the seat this long in opening hours
    empty_red_minutes: int = 60  # over an hour counts as 旷工: red
    off_system_minutes: int = 10  # 承诺件 accepted and completed within this: 体外循环?
    supplement_notice_days: int = 5  # 行政许可法 §32
    queue_wait_minutes: int = 30
    queue_backlog: int = 10  # more than this many waiting for one window
    stale_minutes: int = 30  # a centre or source silent this long in opening hours


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


# ---------------------------------------------------------------- 1. clocks


def _threshold_time(
    threshold: Threshold,
    anchor: Clock,
    calendar: WorkingCalendar,
    schedule: Schedule,
    legal: Clock | None,
) -> datetime | None:
    """When one threshold is reached. Whole-day thresholds of working-day clocks use day
    arithmetic (k days before the deadline = close of business of the (n−k)-th working day,
    the acceptance instant when n−k < 0); everything else is core.clocks' consumption rule."""
    if (
        threshold.fraction == 1.0
        and threshold.minutes == 0
        and anchor.budget.unit == (BudgetUnit.WORKING_DAYS)
    ):
        n = anchor.total.amount + threshold.days
        if n < 0:
            return anchor.start
        if n == 0:  # close of business of the starting day, or at once if that has passed
            day = anchor.start.astimezone(ZoneInfo(schedule.timezone)).date()
            close = calendar.closing_time(calendar.add_working_days(day, 0), schedule)
            return max(anchor.start, close)
        if not anchor.pauses:  # close of business of the n-th working day after the start day
            day = anchor.start.astimezone(ZoneInfo(schedule.timezone)).date()
            return calendar.closing_time(calendar.add_working_days(day, n), schedule)
        shifted = Clock(anchor.start, Budget(n, anchor.budget.unit), pauses=anchor.pauses)
        return due_at(shifted, calendar=calendar, schedule=schedule)
    single = WarningPolicy(name="single", thresholds=(threshold,))
    own = anchor if threshold.anchor == Anchor.PROMISED else None
    base = own or legal
    if base is None:
        return None
    probe = Clock(base.start, base.budget, single, base.pauses, base.extensions)
    return level_due_times(probe, calendar=calendar, schedule=schedule).get(threshold.level)


def _level_times(
    policy: WarningPolicy,
    own: Clock,
    legal: Clock | None,
    calendar: WorkingCalendar,
    schedule: Schedule,
) -> dict[AlertLevel, datetime]:
    out: dict[AlertLevel, datetime] = {}
    for th in policy.thresholds:
        anchor = own if th.anchor == Anchor.PROMISED else legal
        if anchor is None:
            continue
        at = _threshold_time(th, anchor, calendar, schedule, legal)
        if at is not None and (th.level not in out or at < out[th.level]):
            out[th.level] = at
    return out


def level_times(
    state: ClockState, calendar: WorkingCalendar, schedule: Schedule
) -> dict[AlertLevel, datetime]:
    """When each level of the clock's policy is reached, extensions applied from the moment they
    were granted (a level reached before an extension stays reached)."""

    def extended(clock: Clock | None, granted: tuple[tuple[datetime, int], ...]) -> Clock | None:
        if clock is None:
            return None
        extra = tuple(Budget(days, clock.budget.unit) for _, days in granted)
        return replace(clock, extensions=extra)

    own = state.clock
    times = _level_times(own.policy, own, state.legal, calendar, schedule)
    granted = sorted(state.extensions)
    for i, (at, _) in enumerate(granted):
        clock = extended(own, tuple(granted[: i + 1]))
        assert clock is not None
        later = _level_times(
            own.policy, clock, extended(state.legal, tuple(granted[: i + 1])), calendar, schedule
        )
        times = {level: (t if t <= at else later.get(level, t)) for level, t in times.items()} | {
            level: t for level, t in later.items() if level not in times
        }
    return times


def clock_evaluation(
    state: ClockState, now: datetime, calendar: WorkingCalendar, schedule: Schedule
) -> Evaluation:
    """Clocks (rule family 1): the most severe level reached, raised as one alert per clock whose
    level rises; a clock stopped before its deadline (warning only) clears, a missed deadline
    (yellow or red) stays for a person to handle."""
    times = level_times(state, calendar, schedule)
    stop = state.stopped_at
    reached = [lv for lv, t in times.items() if (t < stop if stop else t <= now)]
    level = max(reached, key=SEVERITY.__getitem__, default=None)
    pending = [t for t in times.values() if t > now and (stop is None or t < stop)]
    nxt = min(pending, default=None)
    if level is None or (stop is not None and level == W):
        if stop is None:
            return Evaluation((), nxt)
        return Evaluation((Clear(state.rule, state.subject, "已在时限内办结"),), None)
    due = due_at(state.clock, calendar=calendar, schedule=schedule)
    summary = f"{RULE_LABELS[state.rule]}{ALERT_LEVEL_LABELS[level]}：{state.subject}"
    if due is not None:
        summary += f"，时限 {due.astimezone(ZoneInfo(schedule.timezone)):%m-%d %H:%M}"
    evidence: dict[str, Any] = {
        "levels": {str(lv): _iso(t) for lv, t in sorted(times.items(), key=lambda x: x[1])},
        "due": _iso(due) if due else None,
        "policy": state.clock.policy.name,
        "stopped_at": _iso(stop) if stop else None,
    }
    finding = Finding(
        state.rule,
        state.subject,
        state.place,
        level,
        times[level],
        summary,
        evidence,
        case_no=state.case_no,
        occurrence=str(level),
    )
    return Evaluation((finding,), nxt)


# ---------------------------------------------------------------- 2. windows


def session_start(now: datetime, calendar: WorkingCalendar, schedule: Schedule) -> datetime | None:
    """Start of the opening session containing `now`; None outside opening hours."""
    if not calendar.is_open(now, schedule):
        return None
    local = now.astimezone(ZoneInfo(schedule.timezone))
    for s in schedule.sessions:
        if s.start <= local.time() < s.end:
            return local.replace(hour=s.start.hour, minute=s.start.minute, second=0, microsecond=0)
    return None


def window_evaluation(
    w: WindowState,
    now: datetime,
    calendar: WorkingCalendar,
    params: RuleParams = RuleParams(),
) -> Evaluation:
    """Window empty (空岗) and camera fault (rule family 2). A camera that is not OK raises
    camera fault and suppresses window empty; the empty time counts from the later of the first
    empty observation and the start of the current session (the lunch break never counts)."""
    subject = w.window_code
    if w.camera_status != CameraStatus.OK:
        since = w.camera_since or now
        fault = Finding(
            Rule.CAMERA_FAULT,
            subject,
            w.place,
            Y,
            since,
            f"摄像机故障（{w.camera_status}）：{w.window_code}，暂停空岗判断",
            {"status": str(w.camera_status), "since": _iso(since)},
            occurrence=_iso(since),
        )
        return Evaluation((fault, Clear(Rule.WINDOW_EMPTY, subject, "摄像机故障")))
    clears: list[Outcome] = [Clear(Rule.CAMERA_FAULT, subject, "摄像机恢复")]
    if w.occupied is not False or w.empty_since is None:
        return Evaluation((*clears, Clear(Rule.WINDOW_EMPTY, subject, "人员已回到座位")))
    start = session_start(now, calendar, w.schedule)
    threshold = timedelta(minutes=params.empty_minutes)
    if start is None:
        reopen = calendar.next_opening(now, w.schedule)
        clears.append(Clear(Rule.WINDOW_EMPTY, subject, "非办公时间"))
        return Evaluation(tuple(clears), reopen + threshold)
    counted_from = max(w.empty_since, start)
    empty = now - counted_from
    red_after = timedelta(minutes=params.empty_red_minutes)
    if empty < threshold:
        return Evaluation(tuple(clears), counted_from + threshold)
    level = R if (w.waiting > 0 or empty >= red_after) else Y
    minutes = int(empty.total_seconds() // 60)
    waiting = f"，{w.waiting}人等候" if w.waiting else ""
    finding = Finding(
        Rule.WINDOW_EMPTY,
        subject,
        w.place,
        level,
        counted_from,
        f"窗口空岗 {minutes} 分钟：{w.window_code}{waiting}",
        {"empty_since": _iso(counted_from), "minutes": minutes, "waiting": w.waiting},
        occurrence=_iso(counted_from),
    )
    nxt = counted_from + red_after if level == Y and empty < red_after else None
    return Evaluation((*clears, finding), nxt)


# ---------------------------------------------------------------- 3. spikes


@dataclass(frozen=True, slots=True)
class SpikeWindow:
    """Counts of one subject (a department or a centre) in the trailing window, with the
    baseline's expectation for the same window (from `alerts.spikes`)."""

    rule: Rule  # COMPLAINT_SPIKE or BAD_RATING_SPIKE
    subject: str
    place: Place
    start: datetime
    observed: int
    expected: float
    score: float
    history: tuple[tuple[str, int, float], ...] = ()  # (bucket, count, expected) for the chart


def spike_evaluation(
    s: SpikeWindow, now: datetime, params: SpikeParams = SpikeParams()
) -> Evaluation:
    """Complaint and 差评 spikes (rule family 3): raise when the window's count is improbable
    under the baseline and at least `min_count`; clear once the score is back below
    `clear_score`."""
    if is_spike(s.observed, s.score, params):
        level = R if s.score >= 1 - params.alpha / 100 else Y
        what = "投诉" if s.rule == Rule.COMPLAINT_SPIKE else "差评"
        hours = _hours(now - s.start)
        summary = f"{what}激增：{s.subject} 近{hours}小时 {s.observed} 件（基线 {s.expected:.1f}）"
        evidence = {
            "observed": s.observed,
            "expected": round(s.expected, 3),
            "score": round(s.score, 6),
            "window_start": _iso(s.start),
            "counts": [list(h) for h in s.history],
        }
        finding = Finding(s.rule, s.subject, s.place, level, s.start, summary, evidence, None, "")
        return Evaluation((finding,))
    if s.score < params.clear_score or s.observed < params.min_count:
        return Evaluation((Clear(s.rule, s.subject, "计数回落到基线"),))
    return Evaluation()


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g}"


# ---------------------------------------------------------------- 4. fees


def fee_evaluation(charge: FeeCharge) -> Evaluation:
    """Fees (rule family 4): a charge for a free matter, or one that differs from the standard."""
    m = charge.matter
    if m is None:
        return Evaluation()
    subject = f"{charge.case_no}:{charge.receipt_no or _iso(charge.at)}"
    evidence = {
        "matter_code": m.code,
        "standard": None if m.fee is None else str(m.fee),
        "charged": str(charge.amount),
        "receipt_no": charge.receipt_no,
    }
    if m.fee is None and charge.amount > 0:
        summary = f"免费事项收费 {charge.amount} 元：{charge.case_no}"
        rule = Rule.FEE_FOR_FREE_MATTER
    elif m.fee is not None and charge.amount != Decimal(m.fee):
        summary = f"收费 {charge.amount} 元与标准 {m.fee} 元不符：{charge.case_no}"
        rule = Rule.FEE_OFF_STANDARD
    else:
        return Evaluation()
    finding = Finding(rule, subject, charge.place, R, charge.at, summary, evidence, charge.case_no)
    return Evaluation((finding,))


# ---------------------------------------------------------------- 5. process anomalies


def process_evaluation(
    case: CaseTimeline,
    matter: MatterInfo | None,
    calendar: WorkingCalendar,
    schedule: Schedule,
    params: RuleParams = RuleParams(),
) -> Evaluation:
    """Process anomalies (rule family 5), each its own alert on the case. (The fourth, a 补正
    notice later than 5 working days after the application, is a duty clock: see
    `state.notice_clock`; it fires at the deadline, not only when the late notice arrives.)"""
    found: list[Outcome] = []
    for check in (_unaccepted, _off_system, _second_supplement):
        found += check(case, matter, calendar, schedule, params)
    found += _late_extension(case, matter, calendar, schedule)
    return Evaluation(tuple(found))


def _finding(
    case: CaseTimeline, rule: Rule, level: AlertLevel, at: datetime, text: str, **ev: Any
) -> Finding:
    return Finding(
        rule, case.case_no, case.place, level, at, f"{text}：{case.case_no}", ev, case.case_no
    )


def _unaccepted(case: CaseTimeline, *_: Any) -> list[Outcome]:
    done = case.first(EventKind.CASE_COMPLETED)
    if done is None:
        return []
    accepted = case.first(EventKind.CASE_ACCEPTED)
    if accepted is not None and accepted.at <= done.at:
        return [Clear(Rule.COMPLETED_UNACCEPTED, case.case_no, "已补录受理")]
    return [
        _finding(
            case, Rule.COMPLETED_UNACCEPTED, R, done.at, "未受理即办结", completed_at=_iso(done.at)
        )
    ]


def _off_system(
    case: CaseTimeline, matter: MatterInfo | None, _c: Any, _s: Any, params: RuleParams
) -> list[Outcome]:
    accepted, done = case.first(EventKind.CASE_ACCEPTED), case.first(EventKind.CASE_COMPLETED)
    if accepted is None or done is None or matter is None:
        return []
    if matter.case_type == CaseType.INSTANT or matter.legal_days == 0:
        return []
    took = done.at - accepted.at
    if took > timedelta(minutes=params.off_system_minutes):
        return []
    text = f"承诺件受理后 {int(took.total_seconds())} 秒即办结，疑似体外循环"
    return [_finding(case, Rule.OFF_SYSTEM, Y, done.at, text, accepted_at=_iso(accepted.at))]


def _second_supplement(case: CaseTimeline, *_: Any) -> list[Outcome]:
    asked = case.times(EventKind.CASE_SUPPLEMENT_REQUESTED)
    if len(asked) < 2:
        return []
    text = f"第{len(asked)}次补正告知（一次告知未落实）"
    return [
        _finding(case, Rule.SECOND_SUPPLEMENT, Y, asked[1], text, requests=[_iso(t) for t in asked])
    ]


def _late_extension(
    case: CaseTimeline, matter: MatterInfo | None, calendar: WorkingCalendar, schedule: Schedule
) -> list[Outcome]:
    if matter is None or case.first(EventKind.CASE_EXTENDED) is None:
        return []
    policy = WarningPolicy(name="deadline", thresholds=(Threshold(level=R),))
    clocks = case_clocks(case, matter, policy, calendar, schedule)
    if clocks is None:
        return []
    legal = clocks[1]
    for i, (at, _) in enumerate(legal.extensions):
        before = replace(legal, extensions=legal.extensions[:i])
        due = level_times(before, calendar, schedule).get(R)
        if due is not None and at > due:
            text = "超过法定时限后才批准延期（行政许可法第42条）"
            return [_finding(case, Rule.LATE_EXTENSION, R, at, text, deadline=_iso(due))]
    return []


# ---------------------------------------------------------------- 6. queue


def queue_evaluation(
    queue: str,
    place: Place,
    tickets: list[Ticket],
    now: datetime,
    calendar: WorkingCalendar,
    schedule: Schedule,
    params: RuleParams = RuleParams(),
    tz: ZoneInfo = ZoneInfo("Asia/Shanghai"),
) -> Evaluation:
    """Queue (rule family 6) of one queue — a window, or a department when tickets are issued to
    it: a ticket waiting too long; more than `queue_backlog` waiting. A wait counts opening
    time only (a ticket taken before the lunch break does not turn yellow while no window is
    meant to call it). Tickets live for the day they were issued: one never called (the
    applicant left at closing) stops counting."""
    wait = params.queue_wait_minutes
    out: list[Outcome] = []
    nxt: list[datetime] = []
    waiting: list[Ticket] = []
    today = now.astimezone(tz).date()
    for t in tickets:
        if t.called_at is not None and t.called_at <= now:
            out.append(Clear(Rule.QUEUE_LONG_WAIT, t.key, "已叫号"))
            continue
        if t.issued_at.astimezone(tz).date() != today:
            out.append(Clear(Rule.QUEUE_LONG_WAIT, t.key, "当日已结束"))
            continue
        waiting.append(t)
        minutes = calendar.working_minutes_between(t.issued_at, now, schedule)
        if minutes >= wait:
            text = f"{t.ticket_no} 号已等候 {int(minutes)} 分钟（办公时间）"
            ev = {"ticket_no": t.ticket_no, "issued_at": _iso(t.issued_at), "minutes": int(minutes)}
            out.append(Finding(Rule.QUEUE_LONG_WAIT, t.key, t.place, Y, t.issued_at, text, ev))
        else:
            nxt.append(calendar.add_working_minutes(t.issued_at, wait, schedule))
    if len(waiting) > params.queue_backlog:
        text = f"{queue} 排队 {len(waiting)} 人"
        ev = {"waiting": len(waiting), "tickets": [t.ticket_no for t in waiting][:50]}
        since = min(t.issued_at for t in waiting)
        out.append(Finding(Rule.QUEUE_BACKLOG, queue, place, Y, since, text, ev))
    else:
        out.append(Clear(Rule.QUEUE_BACKLOG, queue, "排队人数回落"))
    return Evaluation(tuple(out), min(nxt, default=None))


# ---------------------------------------------------------------- 7. stale feeds


def feed_evaluation(
    feed: FeedState,
    now: datetime,
    calendar: WorkingCalendar,
    schedule: Schedule,
    params: RuleParams = RuleParams(),
) -> Evaluation:
    """Stale feed (rule family 7): a centre or source silent for `stale_minutes` of opening
    time (nights, lunch and holidays do not count)."""
    subject = f"{feed.place.center_code}:{feed.source}"
    silent = calendar.working_minutes_between(feed.last_event_at, now, schedule)
    due = calendar.add_working_minutes(feed.last_event_at, params.stale_minutes, schedule)
    if silent < params.stale_minutes:
        return Evaluation((Clear(Rule.STALE_FEED, subject, "数据恢复"),), due)
    if not calendar.is_open(now, schedule):
        return Evaluation()
    text = f"数据源 {feed.source} 已 {int(silent)} 分钟（办公时间）无数据：{feed.place.center_code}"
    ev = {"source": feed.source, "last_event_at": _iso(feed.last_event_at), "minutes": int(silent)}
    return Evaluation((Finding(Rule.STALE_FEED, subject, feed.place, Y, due, text, ev),))
