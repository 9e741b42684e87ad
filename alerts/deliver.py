"""The delivery worker: send the outbox's due notifications, retry transient failures with
backoff (alerts/notify/base.py BACKOFF), and save a permanent failure on the delivery and on its
channel, where admins see it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import ConnectionPool

from alerts.findings import RULE_LABELS, Rule
from alerts.metrics import AlertMetrics
from alerts.notify import Message, sender
from alerts.notify.base import DeliveryError, next_attempt
from core.enums import ALERT_LEVEL_LABELS, AlertLevel
from store.repos.alerts import notify as repo

log = logging.getLogger(__name__)
EVENT_LABELS = {
    "opened": "新告警",
    "level_changed": "级别变化",
    "escalated": "告警升级",
    "resolved": "已解除",
}


def render(alert: dict[str, Any], event: str, base_url: str | None = None) -> Message:
    level = str(alert.get("level", ""))
    rule = str(alert.get("rule", ""))
    rule_label = RULE_LABELS.get(Rule(rule), rule) if rule in Rule._value2member_map_ else rule
    level_label = ALERT_LEVEL_LABELS.get(AlertLevel(level), level) if level else ""
    title = f"【{level_label}·{EVENT_LABELS.get(event, event)}】{rule_label}"
    lines = [
        str(alert.get("summary", "")),
        f"中心 {alert.get('center_code')}  部门 {alert.get('department_code') or '—'}"
        f"  窗口 {alert.get('window_code') or '—'}",
        f"发生 {alert.get('since')}  重复 {alert.get('repeat_count', 0)} 次",
    ]
    url = f"{base_url.rstrip('/')}/alerts?alert={alert['id']}" if base_url else None
    return Message(
        title=title,
        text="\n".join(lines),
        level="resolved" if event == "resolved" else level,
        event=event,
        alert_id=int(alert["id"]),
        url=url,
        data=alert,
    )


def deliver_once(
    pool: ConnectionPool,
    metrics: AlertMetrics | None = None,
    base_url: str | None = None,
    limit: int = 20,
) -> int:
    """Send up to `limit` due deliveries; returns how many were attempted."""
    with pool.connection() as conn, conn.transaction():
        due = repo.claim(conn, limit)
        for d in due:
            outcome = _send(conn, d, base_url)
            if metrics is not None:
                metrics.notifications.labels(d.kind, outcome).inc()
    return len(due)


def _send(conn: Any, d: repo.Delivery, base_url: str | None) -> str:
    try:
        sender(d.kind)(d.config, render(d.alert, d.event, base_url))
    except DeliveryError as exc:
        error = str(exc)[:500]
        retry_at = None if exc.permanent else next_attempt(d.attempts + 1, datetime.now(UTC))
        if retry_at is None:
            log.warning("notification %s via %s failed for good: %s", d.id, d.kind, error)
            repo.failed(conn, d, error, permanent=exc.permanent)
            return "failed"
        repo.retry(conn, d.id, retry_at, error)
        return "retry"
    repo.sent(conn, d.id)
    return "sent"


def run(
    pool: ConnectionPool,
    stopping: threading.Event,
    metrics: AlertMetrics | None = None,
    base_url: str | None = None,
    idle: float = 0.5,
) -> None:
    while not stopping.is_set():
        try:
            busy = deliver_once(pool, metrics, base_url)
        except Exception:  # the worker boundary
            log.exception("notification delivery round failed")
            busy = 0
        if not busy:
            stopping.wait(idle)


def trial_message(
    channel_name: str, actor: str, now: datetime, base_url: str | None = None
) -> Message:
    """The message of the console's 「发送测试消息」 button (its words make keyword-guarded
    robots accept it: 告警, HallWatch)."""
    return Message(
        title="【测试】HallWatch 告警通知",
        text=(
            f"这是一条测试消息，用于确认通知渠道「{channel_name}」能收到告警。\n"
            f"发送人 {actor}  时间 {now:%Y-%m-%d %H:%M:%S}"
        ),
        level="test",
        event="test",
        alert_id=0,
        url=base_url,
        data={"test": True, "channel": channel_name},
    )


def send_trial(kind: str, config: Mapping[str, Any], message: Message) -> None:
    """Send a test message through the channel's real transport, as the worker would; raises
    DeliveryError (`.permanent` says whether retrying can help)."""
    sender(kind)(config, message)
    log.info("test notification sent via %s", kind)
