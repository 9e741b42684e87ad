"""WeCom group robot (企业微信群机器人): markdown message to the robot's webhook URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.notify.base import Message, PermanentError, post_json, robot_result

# -1 system busy, 45009 API frequency limit; 93000 (invalid webhook) and the rest are permanent.
TRANSIENT = frozenset({-1, 45009})
LEVEL_COLOURS = {"red": "warning", "yellow": "comment", "warning": "comment"}


def payload(message: Message, mentioned: list[str] | None = None) -> dict[str, Any]:
    colour = LEVEL_COLOURS.get(message.level, "info")
    content = f'<font color="{colour}">{message.title}</font>\n' + "\n".join(
        f"> {line}" for line in message.text.splitlines()
    )
    if message.url:
        content += f"\n[查看告警]({message.url})"
    if mentioned:
        content += "\n" + " ".join(f"<@{m}>" for m in mentioned)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send(config: Mapping[str, Any], message: Message) -> None:
    url = config.get("url")
    if not url:
        raise PermanentError("wecom channel has no url")
    response = post_json(str(url), payload(message, list(config.get("mentioned") or [])))
    robot_result(response, TRANSIENT)
