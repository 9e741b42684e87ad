"""What the 告警设置 page shows and checks, as pure functions: silence matchers and schedules in
Chinese, the checks of the new-silence form, a channel's target with its secrets masked, and a
channel's config built from the form (a secret left blank keeps the saved one)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any

from alerts.findings import RULE_LABELS, Rule
from alerts.notify.base import ChannelKind
from alerts.silences import SCHEDULE_LABELS, Silence, SilenceSchedule
from core.enums import ALERT_LEVEL_LABELS, AlertLevel

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MATCHER_LABELS = {
    "center_code": "中心",
    "department_code": "部门",
    "window_code": "窗口",
    "rule": "规则",
    "level": "级别",
    "subject": "对象",
}
SCHEDULE_TEXT = {
    SilenceSchedule.ALWAYS: "全天持续",
    SilenceSchedule.CLOSED_HOURS: "仅非办公时间（夜间、午休、节假日）",
    SilenceSchedule.REST_DAYS: "仅休息日（按工作日历，含调休）",
}


class FormError(ValueError):
    """One clear error that names the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}：{reason}")
        self.field = field


def md_escape(text: str) -> str:
    """User text inside Streamlit markdown: no formatting, links, emoji codes or formulas."""
    return "".join("\\" + ch if ch in "\\`*_[]()#+-.!$<>|~:" else ch for ch in text)


# ---------------------------------------------------------------- silences


def value_label(key: str, value: str, names: Mapping[str, str]) -> str:
    """A matcher's value in Chinese: rule and level labels, centre/department/window names."""
    prefix = value.endswith("*")
    raw = value[:-1] if prefix else value
    if key == "rule" and raw in Rule._value2member_map_:
        text = RULE_LABELS[Rule(raw)]
    elif key == "level" and raw in AlertLevel._value2member_map_:
        text = ALERT_LEVEL_LABELS[AlertLevel(raw)]
    else:
        text = names.get(raw, raw)
    return f"以「{text}」开头" if prefix else text


def describe_matchers(matchers: Mapping[str, str], names: Mapping[str, str]) -> str:
    if not matchers:
        return "全部告警"
    keys = [k for k in MATCHER_LABELS if k in matchers] + sorted(
        set(matchers) - set(MATCHER_LABELS)
    )
    return "；".join(
        f"{MATCHER_LABELS.get(k, k)}：{value_label(k, matchers[k], names)}" for k in keys
    )


def describe_weekdays(days: Sequence[int]) -> str:
    days = sorted(set(days))
    if days == list(range(7)):
        return "每天"
    if days == list(range(5)):
        return "周一至周五"
    return "每" + "、".join(WEEKDAYS[d] if i == 0 else WEEKDAYS[d][1] for i, d in enumerate(days))


def describe_schedule(schedule: str, weekdays: Sequence[int], start: time, end: time) -> str:
    kind = SilenceSchedule(schedule)
    if kind == SilenceSchedule.WEEKLY:
        return f"{describe_weekdays(weekdays)} {start:%H:%M}–{end:%H:%M}"
    return SCHEDULE_TEXT.get(kind, SCHEDULE_LABELS[kind])


def describe_period(starts_at: datetime, ends_at: datetime | None, tz: tzinfo) -> str:
    start = starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if ends_at is None:
        return f"{start} 起，直至手动结束"
    return f"{start} 至 {ends_at.astimezone(tz):%Y-%m-%d %H:%M}"


def silence_state(starts_at: datetime, ends_at: datetime | None, now: datetime) -> str:
    if ends_at is not None and ends_at <= now:
        return "已结束"
    return "未开始" if starts_at > now else "生效中"


def build_silence(
    *,
    matchers: Mapping[str, str | None],
    starts_at: datetime,
    ends_at: datetime | None,
    schedule: SilenceSchedule,
    weekdays: Sequence[int],
    from_time: time,
    to_time: time,
    reason: str,
    now: datetime,
    need_center: bool,
) -> Silence:
    """Check the new-silence form; raises FormError naming the first wrong field."""
    wanted = {k: v.strip() for k, v in matchers.items() if v and v.strip()}
    if need_center and not wanted.get("center_code"):
        raise FormError("中心", "请选择要静默的服务中心")
    if not wanted:
        raise FormError("匹配条件", "至少选择一个条件，否则会静默全部告警")
    if schedule == SilenceSchedule.ALWAYS and ends_at is None:
        raise FormError("结束时间", "全天持续的静默必须设置结束时间")
    if ends_at is not None and ends_at <= starts_at:
        raise FormError("结束时间", "须晚于开始时间")
    if ends_at is not None and ends_at <= now:
        raise FormError("结束时间", "已经过去")
    if schedule == SilenceSchedule.WEEKLY and not weekdays:
        raise FormError("星期", "请至少选择一天")
    if schedule == SilenceSchedule.WEEKLY and from_time >= to_time:
        raise FormError("每日时段", "结束时刻须晚于开始时刻")
    if not reason.strip():
        raise FormError("原因", "请填写静默原因")
    return Silence(
        id=0,
        matchers=wanted,
        starts_at=starts_at,
        ends_at=ends_at,
        schedule=schedule,
        weekdays=tuple(sorted(set(weekdays))) if schedule == SilenceSchedule.WEEKLY else (),
        from_time=from_time if schedule == SilenceSchedule.WEEKLY else time(0, 0),
        to_time=to_time if schedule == SilenceSchedule.WEEKLY else time(23, 59, 59),
        comment=reason.strip(),
    )


# ---------------------------------------------------------------- channels


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text / url / secret / list / int / bool
    required: bool = False
    help: str = ""
    default: Any = None


URL_HELP = "保存后只显示掩码；修改时留空则保持原地址"
CHANNEL_FIELDS: dict[ChannelKind, tuple[Field, ...]] = {
    ChannelKind.WEBHOOK: (
        Field("url", "推送地址（URL）", "url", True, URL_HELP),
        Field("token", "Bearer 令牌（可选）", "secret"),
    ),
    ChannelKind.DINGTALK: (
        Field("url", "机器人 Webhook 地址（含 access_token）", "url", True, URL_HELP),
        Field("secret", "加签密钥（SEC 开头，可选）", "secret"),
        Field("at_mobiles", "@ 手机号（逗号分隔，可选）", "list"),
    ),
    ChannelKind.WECOM: (
        Field("url", "机器人 Webhook 地址（含 key）", "url", True, URL_HELP),
        Field("mentioned", "@ 成员账号（逗号分隔，可选）", "list"),
    ),
    ChannelKind.EMAIL: (
        Field("host", "SMTP 服务器", required=True),
        Field("port", "端口", "int", default=25),
        Field("sender", "发件人地址"),
        Field("recipients", "收件人（逗号分隔）", "list", True),
        Field("username", "登录用户名（可选）"),
        Field("password", "登录密码（可选）", "secret"),
        Field("password_env", "或：存放密码的环境变量名", help="推荐：密码不存入数据库"),
        Field("starttls", "使用 STARTTLS", "bool"),
        Field("ssl", "使用 SSL（一般为 465 端口）", "bool"),
    ),
}
SECRET_KEYS = frozenset({"token", "secret", "password"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _field_value(f: Field, value: Any, old: Mapping[str, Any]) -> Any:
    if f.kind in ("url", "secret") and _blank(value):
        return old.get(f.key)  # a secret left blank keeps the saved one
    if f.kind == "list":
        items = value if isinstance(value, list) else re.split(r"[,，;；\s]+", str(value or ""))
        return [str(v).strip() for v in items if str(v).strip()]
    if f.kind == "int":
        if _blank(value):
            return f.default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise FormError(f.label, "须为整数") from None
    if f.kind == "bool":
        return bool(value)
    return None if _blank(value) else str(value).strip()


def channel_config(
    kind: ChannelKind, values: Mapping[str, Any], old: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The config to save from the form's values; raises FormError naming the field."""
    config: dict[str, Any] = {}
    for f in CHANNEL_FIELDS[kind]:
        value = _field_value(f, values.get(f.key), old or {})
        if f.required and (value is None or value == []):
            raise FormError(f.label, "必填")
        if f.kind == "url" and value and not str(value).startswith(("http://", "https://")):
            raise FormError(f.label, "须以 http:// 或 https:// 开头")
        if value is not None and value != [] and value is not False:
            config[f.key] = value
    return config


def mask(secret: str) -> str:
    """Never the whole secret: its last 4 characters at most, and only of a long one."""
    return f"****{secret[-4:]}" if len(secret) >= 12 else "****"


def mask_url(url: str) -> str:
    """The URL with its user info, query values and long path segments masked."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return mask(url)
    host = parts.hostname or ""
    netloc = (
        ("***@" if "@" in parts.netloc else "") + host + (f":{parts.port}" if parts.port else "")
    )
    path = "/".join(mask(s) if len(s) >= 16 else s for s in parts.path.split("/"))
    query = "&".join(
        f"{k}={mask(v)}" for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    return f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")


def _secrets(config: Mapping[str, Any]) -> list[str]:
    found = [str(config[k]) for k in SECRET_KEYS if config.get(k)]
    url = str(config.get("url") or "")
    if url:
        parts = urllib.parse.urlsplit(url)
        found += [url, parts.password or ""]
        found += [v for _, v in urllib.parse.parse_qsl(parts.query)]
        found += [s for s in parts.path.split("/") if len(s) >= 16]
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def redact(text: str, config: Mapping[str, Any]) -> str:
    """An error message with the channel's secrets masked (errors may quote the URL)."""
    for secret in _secrets(config):
        shown = mask_url(secret) if secret == config.get("url") else mask(secret)
        text = text.replace(secret, shown)
    return text


def channel_target(kind: str, config: Mapping[str, Any]) -> str:
    """Where a channel sends, readable and without secrets."""
    if kind == ChannelKind.EMAIL:
        recipients = config.get("recipients") or []
        if isinstance(recipients, str):
            recipients = [recipients]
        text = f"SMTP {config.get('host')}:{config.get('port') or 25} → {'、'.join(recipients)}"
        return text + ("（需登录）" if config.get("username") else "")
    text = mask_url(str(config.get("url") or ""))
    if config.get("token"):
        text += " · 已设 Bearer 令牌"
    if config.get("secret"):
        text += " · 已加签"
    return text


def describe_receives(min_level: str, matchers: Mapping[str, str], names: Mapping[str, str]) -> str:
    level = AlertLevel(min_level)
    text = "仅红牌" if level == AlertLevel.RED else f"{ALERT_LEVEL_LABELS[level]}及以上"
    return f"{text} · {describe_matchers(matchers, names)}"
