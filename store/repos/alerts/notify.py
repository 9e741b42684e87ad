"""Notification channels and deliveries: an outbox written in the same transaction as the alert
change, claimed by delivery workers with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

LEVEL_ORDER = "array['warning', 'yellow', 'red']"


@dataclass(frozen=True)
class Channel:
    id: int
    name: str
    kind: str
    config: dict[str, Any]
    min_level: str
    matchers: dict[str, str]
    enabled: bool
    last_error: str | None
    failed_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    id: int
    alert_id: int
    channel_id: int
    event: str
    attempts: int
    kind: str
    config: dict[str, Any]
    alert: dict[str, Any]


def add_channel(
    conn: Connection[Any],
    name: str,
    kind: str,
    config: Mapping[str, Any],
    *,
    min_level: str = "yellow",
    matchers: Mapping[str, str] | None = None,
) -> int:
    row = conn.execute(
        "insert into notification_channels (name, kind, config, min_level, matchers)"
        " values (%s, %s, %s, %s, %s) returning id",
        (name, kind, Jsonb(dict(config)), min_level, Jsonb(dict(matchers or {}))),
    ).fetchone()
    assert row is not None
    return int(row["id"] if isinstance(row, dict) else row[0])


def channels(conn: Connection[Any]) -> list[Channel]:
    with conn.cursor(row_factory=class_row(Channel)) as cur:
        return cur.execute(
            "select id, name, kind, config, min_level, matchers, enabled, last_error, failed_at"
            " from notification_channels order by name"
        ).fetchall()


def enqueue(
    conn: Connection[Any], alert_id: int, event: str, level: str, labels: Mapping[str, Any]
) -> int:
    """One pending delivery per enabled channel whose minimum level and matchers fit."""
    return conn.execute(
        "insert into notification_deliveries (alert_id, channel_id, event)"
        f" select %s, id, %s from notification_channels where enabled"
        f" and array_position({LEVEL_ORDER}, %s) >= array_position({LEVEL_ORDER}, min_level)"
        " and %s::jsonb @> matchers",
        (alert_id, event, level, Jsonb({k: v for k, v in labels.items() if v is not None})),
    ).rowcount


def enqueue_many(
    conn: Connection[Any], items: Sequence[tuple[int, str, str, Mapping[str, Any]]]
) -> int:
    """`enqueue` for many (alert id, event, level, labels) in one statement."""
    if not items:
        return 0
    ids, events, levels, labels = zip(*items, strict=True)
    return conn.execute(
        "insert into notification_deliveries (alert_id, channel_id, event)"
        " select i.alert_id, c.id, i.event from unnest(%b::bigint[], %b::text[], %b::text[],"
        " %b::jsonb[]) as i(alert_id, event, level, labels)"
        " join notification_channels c on c.enabled"
        f" and array_position({LEVEL_ORDER}, i.level) >= array_position({LEVEL_ORDER}, c.min_level)"
        " and i.labels @> c.matchers",
        (
            list(ids),
            list(events),
            list(levels),
            [Jsonb({k: v for k, v in lab.items() if v is not None}) for lab in labels],
        ),
    ).rowcount


def enqueue_resolved(conn: Connection[Any], alert_ids: Sequence[int]) -> int:
    """Tell the channels that were told about an alert that it is resolved. Deliveries of the
    alert still pending are superseded instead: a channel not yet told it opened is told
    nothing. (One being sent right now is locked by the worker: left to it, and told.)"""
    if not alert_ids:
        return 0
    conn.execute(
        "update notification_deliveries set status = 'superseded' where id in ("
        " select id from notification_deliveries where alert_id = any(%s) and status = 'pending'"
        " for update skip locked)",
        (list(alert_ids),),
    )
    return conn.execute(
        "insert into notification_deliveries (alert_id, channel_id, event)"
        " select distinct alert_id, channel_id, 'resolved' from notification_deliveries"
        " where alert_id = any(%s) and event = 'opened' and status in ('sent', 'pending')",
        (list(alert_ids),),
    ).rowcount


def claim(conn: Connection[Any], limit: int = 20) -> list[Delivery]:
    """Due pending deliveries, locked for this transaction (other workers skip them)."""
    with conn.cursor(row_factory=class_row(Delivery)) as cur:
        return cur.execute(
            "select d.id, d.alert_id, d.channel_id, d.event, d.attempts, c.kind, c.config,"
            " to_jsonb(a) - 'evidence' as alert"
            " from notification_deliveries d"
            " join notification_channels c on c.id = d.channel_id"
            " join alerts a on a.id = d.alert_id"
            " where d.status = 'pending' and d.next_attempt_at <= clock_timestamp()"
            " order by d.next_attempt_at limit %s for update of d skip locked",
            (limit,),
        ).fetchall()


def sent(conn: Connection[Any], delivery_id: int) -> None:
    conn.execute(
        "update notification_deliveries set status = 'sent', attempts = attempts + 1,"
        " sent_at = clock_timestamp(), last_error = null where id = %s",
        (delivery_id,),
    )


def retry(conn: Connection[Any], delivery_id: int, at: datetime, error: str) -> None:
    conn.execute(
        "update notification_deliveries set attempts = attempts + 1, next_attempt_at = %s,"
        " last_error = %s where id = %s",
        (at, error, delivery_id),
    )


def failed(conn: Connection[Any], delivery: Delivery, error: str, *, permanent: bool) -> None:
    """Give up on a delivery; a permanent failure is also saved on the channel for admins."""
    conn.execute(
        "update notification_deliveries set status = 'failed', attempts = attempts + 1,"
        " last_error = %s where id = %s",
        (error, delivery.id),
    )
    if permanent:
        conn.execute(
            "update notification_channels set last_error = %s, failed_at = clock_timestamp()"
            " where id = %s",
            (error, delivery.channel_id),
        )


def deliveries(conn: Connection[Any], alert_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "select d.id, c.name, c.kind, d.event, d.status, d.attempts, d.last_error, d.sent_at"
        " from notification_deliveries d join notification_channels c on c.id = d.channel_id"
        " where d.alert_id = %s order by d.id",
        (alert_id,),
    ).fetchall()


# ---------------------------------------------------------------- managing channels (告警设置)


class ChannelNameTaken(ValueError):
    """Another channel already has this name."""


def channel(conn: Connection[Any], channel_id: int) -> Channel | None:
    with conn.cursor(row_factory=class_row(Channel)) as cur:
        return cur.execute(
            "select id, name, kind, config, min_level, matchers, enabled, last_error, failed_at"
            " from notification_channels where id = %s",
            (channel_id,),
        ).fetchone()


def save_channel(
    conn: Connection[Any],
    channel_id: int | None,
    name: str,
    kind: str,
    config: Mapping[str, Any],
    *,
    min_level: str,
    matchers: Mapping[str, str],
    enabled: bool = True,
) -> int:
    """Add a channel (`channel_id` None) or replace one's settings; its failure is kept until a
    successful test clears it. Raises ChannelNameTaken."""
    values = (name, kind, Jsonb(dict(config)), min_level, Jsonb(dict(matchers)), enabled)
    try:
        with conn.transaction():
            if channel_id is None:
                row = conn.execute(
                    "insert into notification_channels"
                    " (name, kind, config, min_level, matchers, enabled)"
                    " values (%s, %s, %s, %s, %s, %s) returning id",
                    values,
                ).fetchone()
            else:
                row = conn.execute(
                    "update notification_channels set name = %s, kind = %s, config = %s,"
                    " min_level = %s, matchers = %s, enabled = %s where id = %s returning id",
                    (*values, channel_id),
                ).fetchone()
    except UniqueViolation:
        raise ChannelNameTaken(name) from None
    if row is None:
        raise LookupError(f"no notification channel {channel_id}")
    return int(row["id"] if isinstance(row, dict) else row[0])


def set_enabled(conn: Connection[Any], channel_id: int, enabled: bool) -> None:
    conn.execute(
        "update notification_channels set enabled = %s where id = %s", (enabled, channel_id)
    )


def channel_failed(conn: Connection[Any], channel_id: int, error: str) -> None:
    """Save a permanent failure seen outside the outbox (a test message) on the channel."""
    conn.execute(
        "update notification_channels set last_error = %s, failed_at = clock_timestamp()"
        " where id = %s",
        (error, channel_id),
    )


def clear_failure(conn: Connection[Any], channel_id: int) -> None:
    conn.execute(
        "update notification_channels set last_error = null, failed_at = null where id = %s",
        (channel_id,),
    )


def failed_channels(conn: Connection[Any]) -> list[Channel]:
    """Enabled channels whose last delivery failed for good (the admins' warning)."""
    with conn.cursor(row_factory=class_row(Channel)) as cur:
        return cur.execute(
            "select id, name, kind, config, min_level, matchers, enabled, last_error, failed_at"
            " from notification_channels where enabled and last_error is not null"
            " order by failed_at desc"
        ).fetchall()
