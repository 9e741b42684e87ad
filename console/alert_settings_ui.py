"""Widgets of the 告警设置 page (console/app_pages/alert_settings.py): the places a user may
pick, messages shown after an action's rerun, and the 通知渠道 tab for admins — channel cards
(target with secrets masked, what they receive, their permanent failure), 「发送测试消息」 through
the channel's real transport, enable/disable, and the add/edit form (a secret left blank keeps
the saved one). Every action goes to the audit log, never with a secret in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import streamlit as st
from psycopg import Connection

from alerts import deliver
from alerts.findings import RULE_LABELS, Rule
from alerts.notify.base import CHANNEL_LABELS, ChannelKind, DeliveryError
from console.alert_settings_forms import (
    CHANNEL_FIELDS,
    Field,
    FormError,
    channel_config,
    channel_target,
    describe_receives,
    mask_url,
    md_escape,
    redact,
)
from console.services import pool, record, settings
from core.enums import ALERT_LEVEL_LABELS, AlertLevel
from core.reference import Center, Department, Window
from store.repos import reference
from store.repos.alerts import notify
from store.repos.users import User


@dataclass(frozen=True)
class Places:
    """The centres in a user's scope with their departments and windows, and all their names."""

    centers: list[Center]
    departments: dict[str, list[Department]]
    windows: dict[str, list[Window]]
    names: dict[str, str]

    @classmethod
    def load(cls, conn: Connection[Any], region_prefix: str) -> Places:
        centers = reference.centers(conn, region_prefix)
        departments = {c.code: reference.departments(conn, c.code) for c in centers}
        windows = {c.code: reference.windows(conn, c.code) for c in centers}
        names = {c.code: c.name for c in centers}
        names |= {d.code: d.name for ds in departments.values() for d in ds}
        names |= {w.code: w.name for ws in windows.values() for w in ws}
        return cls(centers, departments, windows, names)

    def all_departments(self) -> list[str]:
        return [d.code for ds in self.departments.values() for d in ds]


def flash(key: str, kind: str, text: str) -> None:
    """A message (success / warning / error) shown after the rerun that follows an action."""
    st.session_state.setdefault("flash", {})[key] = (kind, text)


def show_flash(key: str) -> None:
    kind, text = st.session_state.get("flash", {}).pop(key, (None, ""))
    if kind:
        getattr(st, kind)(text)


def failure_banners(channels: list[notify.Channel], tz: tzinfo) -> None:
    for ch in channels:
        st.error(
            f"通知渠道「{md_escape(ch.name)}」投递失败，告警通知送不出去"
            f"（{_local(ch.failed_at, tz)}）：{md_escape(redact(ch.last_error or '', ch.config))}。"
            "请修改渠道配置后点击「发送测试消息」，发送成功后此提示消失。",
            icon=":material/error:",
        )


def _local(t: datetime | None, tz: tzinfo) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M") if t else "—"


class ChannelSettings:
    """The 通知渠道 tab."""

    def __init__(self, user: User, places: Places, tz: tzinfo) -> None:
        self.user, self.places, self.tz = user, places, tz

    def show(self) -> None:
        st.caption(
            "告警按渠道的接收范围推送（新告警、级别变化、升级、解除）；投递失败自动重试"
            "（10 秒至 30 分钟退避），无法恢复的失败记录在渠道上并在本页顶部提示。"
        )
        with pool().connection() as conn:
            channels = notify.channels(conn)
        if not channels:
            st.info("还没有通知渠道：告警只在「实时告警」中显示，不会推送。")
        for ch in channels:
            self.card(ch)
        st.subheader("新增通知渠道")
        with st.container(border=True, key="new-channel"):
            self.form(None)

    def card(self, ch: notify.Channel) -> None:
        with st.container(border=True, key=f"channel-{ch.id}"):
            badge = ":green-badge[启用]" if ch.enabled else ":gray-badge[已停用]"
            kind = CHANNEL_LABELS[ChannelKind(ch.kind)]
            st.markdown(f"**{md_escape(ch.name)}** · {kind} {badge}")
            receives = describe_receives(ch.min_level, ch.matchers, self.places.names)
            st.caption(
                f"目标：`{channel_target(ch.kind, ch.config).replace('`', '')}`　"
                f"接收：{md_escape(receives)}"
            )
            if ch.last_error:
                error = md_escape(redact(ch.last_error, ch.config))
                st.error(f"投递失败（{_local(ch.failed_at, self.tz)}）：{error}")
            show_flash(f"channel-{ch.id}")
            b = st.columns([1, 1, 4])
            if b[0].button("发送测试消息", key=f"test-{ch.id}"):
                self.send_test(ch)
            if b[1].button("停用" if ch.enabled else "启用", key=f"toggle-{ch.id}"):
                self.toggle(ch)
            with st.expander("修改"):
                self.form(ch)

    def send_test(self, ch: notify.Channel) -> None:
        s = settings()
        message = deliver.trial_message(
            ch.name, self.user.display_name, datetime.now(self.tz),
            f"http://{s.host}:{s.console_port}",
        )  # fmt: skip
        key = f"channel-{ch.id}"
        try:
            with st.spinner("正在发送测试消息…"):
                deliver.send_trial(ch.kind, ch.config, message)
        except DeliveryError as exc:
            error = str(exc)[:500]
            shown = redact(error, ch.config)
            if exc.permanent:
                with pool().connection() as conn:
                    notify.channel_failed(conn, ch.id, error)
                flash(key, "error", f"发送失败（无法自动恢复，已记录在渠道上）：{shown}")
            else:
                flash(key, "warning", f"发送失败（临时错误，可稍后重试）：{shown}")
            record("alert.channel_test", f"channel:{ch.id}", outcome="failed", error=shown)
        else:
            with pool().connection() as conn:
                notify.clear_failure(conn, ch.id)
            record("alert.channel_test", f"channel:{ch.id}", outcome="sent")
            flash(key, "success", "测试消息已发出，请到接收端确认。")
        st.rerun()

    def toggle(self, ch: notify.Channel) -> None:
        with pool().connection() as conn:
            notify.set_enabled(conn, ch.id, not ch.enabled)
        action = "alert.channel_disable" if ch.enabled else "alert.channel_enable"
        record(action, f"channel:{ch.id}", name=ch.name)
        st.rerun()

    def form(self, ch: notify.Channel | None) -> None:
        k = f"ch{ch.id}-" if ch else f"newch{st.session_state.setdefault('channel_form', 0)}-"
        if ch is None:
            picked = st.selectbox(
                "类型", list(ChannelKind), key=f"{k}kind", format_func=lambda x: CHANNEL_LABELS[x]
            )
            kind = ChannelKind(picked or ChannelKind.WEBHOOK)
        else:
            kind = ChannelKind(ch.kind)
        old = ch.config if ch else {}
        with st.form(f"{k}form", border=False):
            name = st.text_input("渠道名称", ch.name if ch else "", key=f"{k}name")
            values = {f.key: field_input(f, old, f"{k}{f.key}") for f in CHANNEL_FIELDS[kind]}
            st.markdown("**接收哪些告警**")
            c = st.columns(4)
            levels = list(AlertLevel)
            min_level = c[0].selectbox(
                "最低级别", levels, levels.index(AlertLevel(ch.min_level)) if ch else 1,
                key=f"{k}level", format_func=lambda v: f"{ALERT_LEVEL_LABELS[v]}及以上",
            )  # fmt: skip
            picks = self.matcher_picks(c[1:], k, ch.matchers if ch else {})
            enabled = st.checkbox("启用", ch.enabled if ch else True, key=f"{k}enabled")
            submitted = st.form_submit_button("保存渠道", type="primary")
        if submitted:
            matchers = {key: v for key, v in picks.items() if v}
            self.save(ch, kind, name.strip(), values, min_level, matchers, enabled)

    def matcher_picks(self, cols: Sequence[Any], k: str, saved: dict[str, str]) -> dict[str, Any]:
        """Which rule, centre and department a channel receives (all, when left empty)."""
        options = {
            "rule": ("规则", [r.value for r in Rule], "全部规则"),
            "center_code": ("中心", [c.code for c in self.places.centers], "全部中心"),
            "department_code": ("部门", self.places.all_departments(), "全部部门"),
        }
        picks: dict[str, Any] = {}
        for col, (key, (label, codes, everything)) in zip(cols, options.items(), strict=True):
            current = saved.get(key)
            picks[key] = col.selectbox(
                label, [None, *codes], codes.index(current) + 1 if current in codes else 0,
                key=f"{k}{key}", format_func=lambda x, e=everything: self.name(x) if x else e,
            )  # fmt: skip
        return picks

    def name(self, code: str) -> str:
        if code in Rule._value2member_map_:
            return RULE_LABELS[Rule(code)]
        return self.places.names.get(code, code)

    def save(
        self,
        ch: notify.Channel | None,
        kind: ChannelKind,
        name: str,
        values: dict[str, Any],
        min_level: AlertLevel,
        matchers: dict[str, str],
        enabled: bool,
    ) -> None:
        try:
            if not name:
                raise FormError("渠道名称", "必填")
            config = channel_config(kind, values, ch.config if ch else None)
            with pool().connection() as conn:
                cid = notify.save_channel(
                    conn, ch.id if ch else None, name, kind.value, config,
                    min_level=min_level.value, matchers=matchers, enabled=enabled,
                )  # fmt: skip
        except FormError as exc:
            st.error(f"不能保存：{exc}")
            return
        except notify.ChannelNameTaken:
            st.error(f"不能保存：已有名为「{name}」的渠道")
            return
        changed = sorted(key for key, v in values.items() if v not in (None, "", [], False))
        record(
            "alert.channel_update" if ch else "alert.channel_add", f"channel:{cid}",
            name=name, kind=kind.value, min_level=min_level.value, matchers=matchers,
            enabled=enabled, fields=changed,
        )  # fmt: skip
        if ch is None:
            st.session_state["channel_form"] += 1
        flash(f"channel-{cid}", "success", "渠道已保存。可点击「发送测试消息」确认能收到。")
        st.rerun()


def field_input(f: Field, old: dict[str, Any], key: str) -> Any:
    """One config field; saved secrets are never put back into the browser."""
    saved = old.get(f.key)
    if f.kind == "url":
        hint = f"当前：{mask_url(str(saved))}（留空则不变）" if saved else "https://…"
        return st.text_input(f.label, key=key, placeholder=hint, help=f.help)
    if f.kind == "secret":
        hint = "已设置，留空则不变" if saved else ""
        return st.text_input(f.label, key=key, type="password", placeholder=hint)
    if f.kind == "list":
        return st.text_input(f.label, ", ".join(saved or []), key=key)
    if f.kind == "int":
        return st.number_input(f.label, 1, 65535, int(saved or f.default), key=key)
    if f.kind == "bool":
        return st.checkbox(f.label, bool(saved), key=key)
    return st.text_input(f.label, saved or "", key=key, help=f.help or None)
