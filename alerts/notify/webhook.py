"""Generic webhook: POST the alert as JSON to any URL (optional bearer token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.notify.base import Message, PermanentError, post_json


def payload(message: Message) -> dict[str, Any]:
    return {
        "event": message.event,
        "title": message.title,
        "text": message.text,
        "level": message.level,
        "alert_id": message.alert_id,
        "url": message.url,
        "alert": message.data,
    }


def send(config: Mapping[str, Any], message: Message) -> None:
    url = config.get("url")
    if not url:
        raise PermanentError("webhook channel has no url")
    headers = {}
    if config.get("token"):
        headers["Authorization"] = f"Bearer {config['token']}"
    post_json(str(url), payload(message), headers)
