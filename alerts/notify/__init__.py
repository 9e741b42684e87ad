"""Notification transports (healthchecks' habit: one module per kind, same roles in each):
generic webhook, DingTalk and WeCom group robots, SMTP email. Each `send(config, message)` raises
`TransientError` (try again later, with backoff) or `PermanentError` (saved on the channel and
shown to admins)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alerts.notify.base import ChannelKind, Message, PermanentError, TransientError

Sender = Callable[[Mapping[str, Any], Message], None]


def sender(kind: ChannelKind | str) -> Sender:
    from alerts.notify import dingtalk, email, webhook, wecom

    senders: dict[ChannelKind, Sender] = {
        ChannelKind.WEBHOOK: webhook.send,
        ChannelKind.DINGTALK: dingtalk.send,
        ChannelKind.WECOM: wecom.send,
        ChannelKind.EMAIL: email.send,
    }
    return senders[ChannelKind(kind)]


__all__ = ["ChannelKind", "Message", "PermanentError", "Sender", "TransientError", "sender"]
