"""DingTalk group robot (钉钉自定义机器人): markdown message, optional 加签 signature
(timestamp + "\\n" + secret, HMAC-SHA256, base64, URL-encoded, appended as &timestamp=&sign=)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from alerts.notify.base import Message, PermanentError, post_json, robot_result

# 130101: sending too fast; -1: system busy. Everything else (bad token 300001, keyword or
# signature mismatch 310000, …) will not improve by retrying.
TRANSIENT = frozenset({-1, 130101})


def signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def payload(message: Message, at_mobiles: list[str] | None = None) -> dict[str, Any]:
    text = message.markdown
    if at_mobiles:
        text += "\n\n" + " ".join(f"@{m}" for m in at_mobiles)
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": text},
        "at": {"atMobiles": at_mobiles or [], "isAtAll": False},
    }


def send(config: Mapping[str, Any], message: Message) -> None:
    url = config.get("url")
    if not url:
        raise PermanentError("dingtalk channel has no url")
    if config.get("secret"):
        url = signed_url(str(url), str(config["secret"]))
    response = post_json(str(url), payload(message, list(config.get("at_mobiles") or [])))
    robot_result(response, TRANSIENT)
