"""What every transport shares: the message, the two kinds of failure, the HTTP call and the
retry schedule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
BACKOFF = (
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
)


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    DINGTALK = "dingtalk"
    WECOM = "wecom"
    EMAIL = "email"


CHANNEL_LABELS = {
    ChannelKind.WEBHOOK: "通用 Webhook",
    ChannelKind.DINGTALK: "钉钉群机器人",
    ChannelKind.WECOM: "企业微信群机器人",
    ChannelKind.EMAIL: "电子邮件",
}


class DeliveryError(Exception):
    permanent = False


class TransientError(DeliveryError):
    """Try again later (timeouts, 5xx, 429, rate limits)."""


class PermanentError(DeliveryError):
    """Will not succeed by retrying (bad URL, 4xx, rejected token or recipient)."""

    permanent = True


@dataclass(frozen=True, slots=True)
class Message:
    """One notification, rendered once and formatted by each transport."""

    title: str  # e.g. "【红牌】承诺时限：6108022025091500012"
    text: str  # plain text body (several lines)
    level: str  # warning / yellow / red, or "resolved"
    event: str  # opened / level_changed / escalated / resolved
    alert_id: int
    url: str | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the alert as JSON, for webhooks

    @property
    def markdown(self) -> str:
        lines = [f"### {self.title}", "", *(f"> {line}" for line in self.text.splitlines())]
        if self.url:
            lines += ["", f"[查看告警]({self.url})"]
        return "\n".join(lines)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None once the schedule is used up."""
    if attempts < 1 or attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def post_json(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST JSON; map network failures and HTTP status codes to Transient/PermanentError."""
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=TIMEOUT)
    except httpx.InvalidURL as exc:
        raise PermanentError(f"invalid URL: {exc}") from None
    except httpx.UnsupportedProtocol as exc:
        raise PermanentError(f"unsupported URL: {exc}") from None
    except httpx.HTTPError as exc:
        raise TransientError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response


def robot_result(response: httpx.Response, transient_codes: frozenset[int]) -> None:
    """DingTalk and WeCom answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}."""
    try:
        body = response.json()
    except ValueError:
        raise TransientError(f"not JSON: {response.text[:200]}") from None
    code = int(body.get("errcode", 0)) if isinstance(body, dict) else 0
    if code == 0:
        return
    message = f"errcode {code}: {body.get('errmsg', '')}"
    raise (TransientError if code in transient_codes else PermanentError)(message)
