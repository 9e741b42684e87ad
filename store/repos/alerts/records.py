"""Alert rows and their history: apply the rules' findings and clears (de-duplicated, with a
repeat counter), and the people's actions (acknowledge, assign, escalate, resolve, dismiss),
every change a row of `alert_history` and, for people, of the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

from alerts.findings import Clear, Finding
from alerts.lifecycle import (
    ACTIVE,
    SYSTEM,
    Action,
    AlertStatus,
    AlertView,
    Change,
    DismissReason,
    transition,
)
from core.enums import AlertLevel, Role
from store.repos import audit

ACTIVE_SQL = "('open', 'acknowledged', 'assigned')"


@dataclass(frozen=True)
class AlertRow:
    id: int
    rule: str
    subject: str
    dedup_key: str
    level: str
    status: str
    region_code: str
    center_code: str
    department_code: str | None
    window_code: str | None
    case_no: str | None
    summary: str
    evidence: dict[str, Any]
    repeat_count: int
    since: datetime
    first_seen: datetime
    last_seen: datetime
    created_at: datetime
    updated_at: datetime
    escalation_role: str
    escalated_at: datetime | None
    assignee: str | None
    closed_at: datetime | None
    dismiss_reason: str | None
    silence_id: int | None
    trigger_event_id: int | None

    @property
    def view(self) -> AlertView:
        return AlertView(
            AlertStatus(self.status),
            AlertLevel(self.level),
            Role(self.escalation_role),
            self.assignee,
        )


@dataclass(frozen=True)
class HistoryRow:
    id: int
    alert_id: int
    at: datetime
    actor: str
    action: str
    label: str
    from_status: str | None
    to_status: str
    level: str
    reason: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class Applied:
    """What applying one finding did: raised a new alert, changed its level, counted a repeat,
    or nothing (the same occurrence seen again)."""

    alert_id: int
    action: Action | None
    level: str


COLUMNS = (
    "id, rule, subject, dedup_key, level, status, region_code, center_code, department_code,"
    " window_code, case_no, summary, evidence, repeat_count, since, first_seen, last_seen,"
    " created_at, updated_at, escalation_role, escalated_at, assignee, closed_at, dismiss_reason,"
    " silence_id, trigger_event_id"
)


def _history(
    conn: Connection[Any],
    alert_id: int,
    change: Change,
    actor: str,
    from_status: str | None,
    **detail: Any,
) -> None:
    conn.execute(
        "insert into alert_history (alert_id, actor, action, label, from_status, to_status,"
        " level, reason, detail) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            alert_id,
            actor,
            change.action.value,
            change.label,
            from_status,
            change.status.value,
            change.level.value,
            change.reason,
            Jsonb(detail),
        ),
    )


_UPSERT = f"""
with input as (
    select * from unnest(%(rule)b::text[], %(subject)b::text[], %(dedup_key)b::text[],
                         %(level)b::text[], %(region_code)b::text[], %(center_code)b::text[],
                         %(department_code)b::text[], %(window_code)b::text[], %(case_no)b::text[],
                         %(summary)b::text[], %(evidence)b::jsonb[], %(since)b::timestamptz[],
                         %(occurrence)b::text[], %(trigger)b::bigint[], %(silence)b::bigint[])
        as i(rule, subject, dedup_key, level, region_code, center_code, department_code,
             window_code, case_no, summary, evidence, since, occurrence, trigger, silence)
), prev as (
    select a.dedup_key, a.level, a.last_occurrence from alerts a join input using (dedup_key)
    where a.status in {ACTIVE_SQL}
), upserted as (
    insert into alerts (rule, subject, dedup_key, level, region_code, center_code,
                        department_code, window_code, case_no, summary, evidence, since,
                        last_occurrence, trigger_event_id, silence_id)
    select rule, subject, dedup_key, level, region_code, center_code, department_code,
           window_code, case_no, summary, evidence, since, occurrence, trigger, silence
    from input order by dedup_key
    on conflict (dedup_key) where status in {ACTIVE_SQL} do update set
        level = excluded.level,
        summary = excluded.summary,
        evidence = excluded.evidence,
        last_seen = clock_timestamp(),
        updated_at = case when alerts.level <> excluded.level
                            or alerts.last_occurrence <> excluded.last_occurrence
                          then clock_timestamp() else alerts.updated_at end,
        repeat_count = alerts.repeat_count
            + (alerts.last_occurrence <> excluded.last_occurrence)::int,
        last_occurrence = excluded.last_occurrence
    returning id, dedup_key, level, (xmax = 0) as inserted
)
select u.id, u.dedup_key, u.level, u.inserted, p.level as prev_level,
       p.last_occurrence as prev_occurrence
from upserted u left join prev p using (dedup_key)
"""

_HISTORY = """
insert into alert_history (alert_id, actor, action, label, from_status, to_status, level, reason,
                           detail)
select * from unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[],
                     %b::text[], %b::text[], %b::jsonb[])
"""


@dataclass(frozen=True)
class Raise:
    """A finding to apply, with the event that triggered it and the silence that covers it."""

    finding: Finding
    trigger_event_id: int | None = None
    silence_id: int | None = None


def apply_finding(
    conn: Connection[Any],
    f: Finding,
    *,
    trigger_event_id: int | None = None,
    silence_id: int | None = None,
) -> Applied:
    """Raise or update the active alert of (rule, subject): at most one across all workers."""
    return apply_findings(conn, [Raise(f, trigger_event_id, silence_id)])[0]


def apply_findings(conn: Connection[Any], items: Sequence[Raise]) -> list[Applied]:
    """Raise or update the active alerts of many findings with one upsert and one history
    insert per round; a round holds each dedup key once (a later finding of the same key goes
    to the next round, so it sees the earlier one's row). Results in the order of `items`."""
    out: list[Applied | None] = [None] * len(items)
    pending = list(range(len(items)))
    while pending:
        seen: set[str] = set()
        round_: list[int] = []
        later: list[int] = []
        for i in pending:
            key = items[i].finding.dedup_key
            (later if key in seen else round_).append(i)
            seen.add(key)
        for i, applied in zip(round_, _apply_round(conn, [items[i] for i in round_]), strict=True):
            out[i] = applied
        pending = later
    return [a for a in out if a is not None]


def _apply_round(conn: Connection[Any], items: Sequence[Raise]) -> list[Applied]:
    rows_in = [_upsert_row(it) for it in items]
    cols = {k: list(c) for k, c in zip(_UPSERT_KEYS, zip(*rows_in, strict=True), strict=True)}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = {r["dedup_key"]: r for r in cur.execute(_UPSERT, cols).fetchall()}
    applied: list[Applied] = []
    history: list[tuple[Any, ...]] = []
    for it in items:
        applied.append(_outcome(it.finding, rows[it.finding.dedup_key], history))
    if history:
        conn.execute(_HISTORY, [list(c) for c in zip(*history, strict=True)])
    return applied


def _upsert_row(it: Raise) -> tuple[Any, ...]:
    f, p = it.finding, it.finding.place
    return (
        f.rule.value, f.subject, f.dedup_key, f.level.value, p.region_code, p.center_code,
        p.department_code, p.window_code, f.case_no, f.summary, Jsonb(dict(f.evidence)),
        f.since, f.occurrence, it.trigger_event_id, it.silence_id,
    )  # fmt: skip


_UPSERT_KEYS = (
    "rule", "subject", "dedup_key", "level", "region_code", "center_code", "department_code",
    "window_code", "case_no", "summary", "evidence", "since", "occurrence", "trigger", "silence",
)  # fmt: skip


def _outcome(f: Finding, row: dict[str, Any], history: list[tuple[Any, ...]]) -> Applied:
    """What the upsert did to this finding's alert, and its history row (appended)."""
    alert_id, level, prev_level = int(row["id"]), str(row["level"]), row["prev_level"]
    view = AlertView(AlertStatus.OPEN, AlertLevel(prev_level or level))
    if row["inserted"]:
        action, detail = Action.RAISE, {"summary": f.summary}
        change = transition(view, action)
    elif prev_level is not None and prev_level != level:
        action, detail = Action.CHANGE_LEVEL, {"previous": prev_level, "summary": f.summary}
        change = transition(view, action, level=AlertLevel(level))
    elif prev_level is not None and row["prev_occurrence"] != f.occurrence:
        action, detail = Action.REPEAT, {"occurrence": f.occurrence}
        change = transition(view, action)
    else:
        return Applied(alert_id, None, level)
    row_out = (alert_id, SYSTEM, change.action.value, change.label, None, change.status.value)
    history.append((*row_out, change.level.value, change.reason, Jsonb(detail)))
    return Applied(alert_id, action, level)


_CLEAR = f"""
with wanted as (
    select * from unnest(%(keys)b::text[], %(reasons)b::text[]) as w(dedup_key, reason)
), prev as (
    select a.id, a.status, w.reason from alerts a join wanted w using (dedup_key)
    where a.status in {ACTIVE_SQL}
    for update of a
), closed as (
    update alerts a set status = 'resolved', closed_at = clock_timestamp(),
                        updated_at = clock_timestamp()
    from prev where a.id = prev.id
    returning a.id, a.level, prev.status as from_status, prev.reason
), hist as (
    insert into alert_history
           (alert_id, actor, action, label, from_status, to_status, level, reason)
    select id, 'system', 'auto_resolve', 'auto-resolve-condition-cleared', from_status,
           'resolved', level, reason from closed
)
select id from closed
"""


def apply_clears(conn: Connection[Any], clears: Sequence[Clear]) -> list[int]:
    """Auto-resolve the active alerts of these clears (one statement); returns their ids."""
    if not clears:
        return []
    unique = {c.dedup_key: c.reason for c in clears}
    with conn.cursor() as cur:
        rows = cur.execute(
            _CLEAR, {"keys": list(unique), "reasons": list(unique.values())}
        ).fetchall()
    return [int(_first(r)) for r in rows]


def _first(row: Any) -> Any:
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


def get(conn: Connection[Any], alert_id: int, *, lock: bool = False) -> AlertRow | None:
    with conn.cursor(row_factory=class_row(AlertRow)) as cur:
        sql = f"select {COLUMNS} from alerts where id = %s" + (" for update" if lock else "")
        return cur.execute(sql, (alert_id,)).fetchone()  # type: ignore[arg-type]


def history(conn: Connection[Any], alert_id: int) -> list[HistoryRow]:
    with conn.cursor(row_factory=class_row(HistoryRow)) as cur:
        return cur.execute(
            "select id, alert_id, at, actor, action, label, from_status, to_status, level,"
            " reason, detail from alert_history where alert_id = %s order by at, id",
            (alert_id,),
        ).fetchall()


def act(
    conn: Connection[Any],
    alert_id: int,
    action: Action,
    actor: str,
    *,
    reason: str | None = None,
    dismiss_reason: DismissReason | None = None,
    assignee: str | None = None,
    region_code: str | None = None,
    audit_log: bool = True,
) -> Change:
    """A person's action on an alert, checked by the lifecycle's rules; writes the alert, one
    history row and one audit-log row in one transaction. Raises TransitionError or LookupError."""
    with conn.transaction():
        alert = get(conn, alert_id, lock=True)
        if alert is None:
            raise LookupError(f"no alert {alert_id}")
        change = transition(
            alert.view, action, reason=reason, dismiss_reason=dismiss_reason, assignee=assignee
        )
        closed = change.status not in ACTIVE
        conn.execute(
            "update alerts set status = %s, level = %s, escalation_role = %s, assignee = %s,"
            " escalated_at = case when %s then clock_timestamp() else escalated_at end,"
            " dismiss_reason = coalesce(%s, dismiss_reason),"
            " closed_at = case when %s then clock_timestamp() else closed_at end,"
            " updated_at = clock_timestamp() where id = %s",
            (
                change.status.value,
                change.level.value,
                change.role.value,
                change.assignee,
                action == Action.ESCALATE,
                dismiss_reason.value if dismiss_reason else None,
                closed,
                alert_id,
            ),
        )
        detail: dict[str, Any] = {"label": change.label}
        if dismiss_reason:
            detail["dismiss_reason"] = dismiss_reason.value
        if assignee:
            detail["assignee"] = assignee
        if action == Action.ESCALATE:
            detail["role"] = change.role.value
        _history(conn, alert_id, change, actor, alert.status, **detail)
        if audit_log:
            audit.write(
                conn,
                actor,
                f"alert.{action.value}",
                f"alert:{alert_id}",
                region_code or alert.region_code,
                reason=reason,
                **detail,
            )
    return change


def labels(a: AlertRow) -> dict[str, str | None]:
    """The labels silences and channel matchers look at."""
    return {
        "rule": a.rule,
        "level": a.level,
        "center_code": a.center_code,
        "department_code": a.department_code,
        "window_code": a.window_code,
        "subject": a.subject,
    }
