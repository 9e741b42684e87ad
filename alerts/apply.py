"""Turning an evaluation into rows, inside the caller's transaction: auto-resolve the clears,
raise or update the findings (one active alert per rule and subject), check silences, and put
notifications in the outbox. Because the cursor or the clock row moves in the same transaction,
an evaluation's effects happen exactly once even if a worker dies half-way."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import Connection

from alerts.context import RuleContext
from alerts.findings import Clear, Evaluation, Finding
from alerts.lifecycle import Action
from alerts.metrics import AlertMetrics
from alerts.silences import Silence, silenced_by
from store.repos.alerts import notify, records

log = logging.getLogger(__name__)


@dataclass
class Applier:
    """Applies evaluations with the engine's current silences and metrics."""

    ctx: RuleContext
    silences: Sequence[Silence] = ()
    metrics: AlertMetrics | None = None
    raised: list[int] = field(default_factory=list)  # ids raised (for tests and the bench)

    def __call__(
        self,
        conn: Connection[Any],
        ev: Evaluation,
        now: datetime,
        trigger_event_id: int | None = None,
    ) -> None:
        clears = [o for o in ev.outcomes if isinstance(o, Clear)]
        findings = [o for o in ev.outcomes if isinstance(o, Finding)]
        if findings:
            # A subject may be both cleared and found in one evaluation (camera fault clears
            # window empty); never clear what is found in the same breath.
            found = {f.dedup_key for f in findings}
            clears = [c for c in clears if c.dedup_key not in found]
        if clears:
            closed = records.apply_clears(conn, clears)
            notify.enqueue_resolved(conn, closed)
        for f in findings:
            self._finding(conn, f, now, trigger_event_id)

    def many(
        self,
        conn: Connection[Any],
        evaluations: Sequence[tuple[Evaluation, int | None]],
        now: datetime,
    ) -> None:
        """Apply a batch's evaluations with one statement for all its clears."""
        clears = tuple(o for ev, _ in evaluations for o in ev.outcomes if isinstance(o, Clear))
        self(conn, Evaluation(clears), now)
        for ev, trigger in evaluations:
            found = tuple(o for o in ev.outcomes if isinstance(o, Finding))
            if found:
                self(conn, Evaluation(found), now, trigger)

    def _finding(
        self, conn: Connection[Any], f: Finding, now: datetime, trigger: int | None
    ) -> None:
        labels = labels_of(f)
        p = f.place
        silence = silenced_by(
            self.silences,
            labels,
            now,
            self.ctx.calendar_for(p.region_code),
            self.ctx.schedule_for(p.center_code, p.window_code),
        )
        applied = records.apply_finding(
            conn, f, trigger_event_id=trigger, silence_id=silence.id if silence else None
        )
        if applied.action == Action.RAISE:
            self.raised.append(applied.alert_id)
            if self.metrics:
                self.metrics.raised.labels(f.rule.value, f.level.value).inc()
        if applied.action in (Action.RAISE, Action.CHANGE_LEVEL) and silence is None:
            event = "opened" if applied.action == Action.RAISE else "level_changed"
            notify.enqueue(conn, applied.alert_id, event, applied.level, labels)


def labels_of(f: Finding) -> dict[str, str | None]:
    p = f.place
    return {
        "rule": f.rule.value,
        "level": f.level.value,
        "center_code": p.center_code,
        "department_code": p.department_code,
        "window_code": p.window_code,
        "subject": f.subject,
    }
