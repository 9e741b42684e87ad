"""Clock timers: fire the duty clocks of the `clocks` table (ingest's projection) whose
`next_fire_at` has come. Workers claim due rows with FOR UPDATE SKIP LOCKED, so any number can
run and each row fires once; the alert writes and the row's new `level` and `next_fire_at`
commit together.

The row holds everything a clock is: start, budget, whole-day pauses, extensions with the instant
each was granted, the policy preset and the stop. The engine rebuilds the clock from it and asks
the same rule as for events (`rules.clock_evaluation`), then sets `next_fire_at` to the next
level's instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import Connection

from alerts import rules
from alerts.apply import Applier
from alerts.context import RuleContext
from alerts.findings import Evaluation, Finding, Place, Rule
from alerts.metrics import AlertMetrics
from alerts.state import ClockState
from core.clocks import Anchor, Budget, BudgetUnit, Clock, Pause, WarningPolicy
from store.repos.alerts import engine as repo

# clock_kind of the clocks table -> rule
CLOCK_RULES: dict[str, Rule] = {
    "promised": Rule.CASE_PROMISED,
    "legal": Rule.CASE_LEGAL,
    "supplement_notice": Rule.LATE_SUPPLEMENT,
    "complaint_accept": Rule.COMPLAINT_ACCEPTANCE,
    "complaint_complete": Rule.COMPLAINT_COMPLETION,
    "rating_rectification": Rule.RATING_RECTIFICATION,
    "supervision_reply": Rule.SUPERVISION_REPLY,
    "patrol_finding": Rule.PATROL_FINDING,
    "patrol_response": Rule.PATROL_FINDING,
}


def _t(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def clock_of(row: repo.ClockClaim, policy: WarningPolicy) -> Clock:
    pauses = tuple(
        Pause(_t(p["start"]), _t(p["end"]) if p.get("end") else None) for p in row.pauses
    )
    return Clock(row.start_at, Budget(row.budget, BudgetUnit(row.unit)), policy, pauses)


def state_of(row: repo.ClockClaim, legal: repo.ClockClaim | None) -> ClockState | None:
    rule = CLOCK_RULES.get(row.clock_kind)
    if rule is None:
        return None
    policy = WarningPolicy.preset(row.policy)
    needs_legal = any(t.anchor == Anchor.LEGAL for t in policy.thresholds)
    legal_clock = clock_of(legal, policy) if legal is not None and needs_legal else None
    return ClockState(
        rule=rule,
        subject=row.subject_id,
        place=Place(row.region_code, row.center_code, row.department_code),
        clock=clock_of(row, policy),
        extensions=tuple((_t(e["at"]), int(e["amount"])) for e in row.extensions),
        legal=legal_clock,
        stopped_at=row.stopped_at,
        case_no=row.subject_id if row.subject_kind == "case" else None,
    )


def fire_due(
    conn: Connection[Any],
    ctx: RuleContext,
    applier: Applier,
    now: datetime,
    metrics: AlertMetrics | None = None,
    limit: int = 500,
) -> int:
    """Fire up to `limit` due clocks in the caller's transaction (their alerts applied as one
    batch); returns how many."""
    claimed = repo.claim_clocks(conn, now, limit)
    if not claimed:
        return 0
    promised = [r.subject_id for r in claimed if r.clock_kind == "promised"]
    legal = repo.sibling_clocks(conn, "case", "legal", promised)
    updates: list[tuple[int, str | None, datetime | None]] = []
    evaluations: list[tuple[Evaluation, int | None]] = []
    for row in claimed:
        if metrics is not None:
            metrics.timer_lag_seconds.observe(max(0.0, (now - row.next_fire_at).total_seconds()))
        state = state_of(row, legal.get(row.subject_id) if row.clock_kind == "promised" else None)
        if state is None:
            updates.append((row.id, None, None))
            continue
        cal = ctx.calendar_for(row.region_code)
        ev = rules.clock_evaluation(state, now, cal, ctx.schedule_for(row.center_code))
        evaluations.append((ev, None))
        level = next((o.level.value for o in ev.outcomes if isinstance(o, Finding)), None)
        nxt = ev.next_check_at if row.state != "stopped" else None
        updates.append((row.id, level, nxt))
    applier.many(conn, evaluations, now)
    repo.fired(conn, updates)
    return len(claimed)
