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
        self.many(conn, [(ev, trigger_event_id)], now)

    def many(
        self,
        conn: Connection[Any],
        evaluations: Sequence[tuple[Evaluation, int | None]],
        now: datetime,
    ) -> None:
        """Apply a batch's evaluations: one statement for all its clears, one upsert (and one
        history insert) for all its findings, one insert for their notifications."""
        clears: list[Clear] = []
        raises: list[records.Raise] = []
        for ev, trigger in evaluations:
            found = [o for o in ev.outcomes if isinstance(o, Finding)]
            # A subject may be both cleared and found in one evaluation (camera fault clears
            # window empty); never clear what is found in the same breath.
            keys = {f.dedup_key for f in found}
            clears += [o for o in ev.outcomes if isinstance(o, Clear) and o.dedup_key not in keys]
            raises += [records.Raise(f, trigger, self._silence(f, now)) for f in found]
        if clears:
            notify.enqueue_resolved(conn, records.apply_clears(conn, clears))
        if not raises:
            return
        outbox = []
        for item, applied in zip(raises, records.apply_findings(conn, raises), strict=True):
            f = item.finding
            if applied.action == Action.RAISE:
                self.raised.append(applied.alert_id)
                if self.metrics:
                    self.metrics.raised.labels(f.rule.value, f.level.value).inc()
            if applied.action in (Action.RAISE, Action.CHANGE_LEVEL) and item.silence_id is None:
                event = "opened" if applied.action == Action.RAISE else "level_changed"
                outbox.append((applied.alert_id, event, applied.level, labels_of(f)))
        notify.enqueue_many(conn, outbox)

    def _silence(self, f: Finding, now: datetime) -> int | None:
        p = f.place
        silence = silenced_by(
            self.silences,
            labels_of(f),
            now,
            self.ctx.calendar_for(p.region_code),
            self.ctx.schedule_for(p.center_code, p.window_code),
        )
        return silence.id if silence else None


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
