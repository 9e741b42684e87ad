"""告警设置: silences and notification channels.

Silences (监察员 and 系统管理员, in their own region): the silences in force, not started yet or
ended, with their matchers in Chinese, schedule, author and reason; create one (matchers, a
period and an optional schedule — weekly hours, closed hours, rest days — and a required
reason); end one early. A silenced alert is still recorded and shown on 实时告警, but sends no
notification and is not escalated — the duty people's tool, so supervisors have it too.

Notification channels (系统管理员 only): list, add, edit, enable or disable, send a test message
through the channel's real transport. A channel's permanent delivery failure is shown at the top
of the page until a test message gets through. Saved secrets are never shown back in full.
Every action is written to the audit log."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from alerts.findings import RULE_LABELS, Rule
from alerts.silences import SilenceSchedule, in_force
from console.alert_settings_forms import (
    SCHEDULE_TEXT,
    WEEKDAYS,
    FormError,
    build_silence,
    describe_matchers,
    describe_period,
    describe_schedule,
    md_escape,
    silence_state,
)
from console.alert_settings_ui import ChannelSettings, Places, failure_banners, flash, show_flash
from console.services import pool, record, require_user, scope, settings
from core.calendar import official_calendar
from core.enums import ALERT_LEVEL_LABELS, AlertLevel, Role
from core.reference import Center, Schedule
from store.repos.alerts import notify
from store.repos.alerts import silences as silence_repo

STATE_BADGES = {"生效中": "orange", "未开始": "blue", "已结束": "gray"}
SCHEDULE_CHOICES = {
    SilenceSchedule.ALWAYS: SCHEDULE_TEXT[SilenceSchedule.ALWAYS],
    SilenceSchedule.WEEKLY: "每周固定时段",
    SilenceSchedule.CLOSED_HOURS: SCHEDULE_TEXT[SilenceSchedule.CLOSED_HOURS],
    SilenceSchedule.REST_DAYS: SCHEDULE_TEXT[SilenceSchedule.REST_DAYS],
}
KEPT_DAYS = 30

user = require_user()
if user.role not in (Role.ADMIN, Role.SUPERVISOR):
    st.error("只有监察员和系统管理员可以查看告警设置。")
    st.stop()
sc = scope()
tz = ZoneInfo(settings().timezone)
is_admin = user.role == Role.ADMIN
st.title("告警设置")

with pool().connection() as conn:
    places = Places.load(conn, sc.region_prefix)
    failure_banners(notify.failed_channels(conn) if is_admin else [], tz)


def _local(t: datetime | None) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M") if t else "—"


# ---------------------------------------------------------------- silences


def schedule_of(center_code: str | None) -> Schedule:
    center = next((c for c in places.centers if c.code == center_code), None)
    return center.schedule if center else Schedule()


def silence_card(row: silence_repo.SilenceRow, now: datetime) -> None:
    state = silence_state(row.starts_at, row.ends_at, now)
    with st.container(border=True, key=f"silence-{row.id}"):
        left, right = st.columns([6, 1])
        left.markdown(
            f"**#{row.id}** :{STATE_BADGES[state]}-badge[{state}] "
            f"{md_escape(describe_matchers(row.matchers, places.names))}"
        )
        timing = describe_schedule(row.schedule, row.weekdays, row.from_time, row.to_time)
        if state == "生效中":
            on = in_force(
                row.silence, now, official_calendar(), schedule_of(row.matchers.get("center_code"))
            )
            timing += " · 此刻" + ("正在静默" if on else "不在静默时段")
        left.caption(
            f"时段：{timing}　有效期：{describe_period(row.starts_at, row.ends_at, tz)}　"
            f"创建：{md_escape(row.created_by)}（{_local(row.created_at)}）"
        )
        left.markdown(f"原因：{md_escape(row.comment)}")
        if state != "已结束" and row.may_end(sc.region_prefix):
            label = "提前结束" if state == "生效中" else "取消"
            if right.button(label, key=f"end-silence-{row.id}"):
                end_silence(row, state)


def end_silence(row: silence_repo.SilenceRow, state: str) -> None:
    with pool().connection() as conn:
        done = silence_repo.end_silence(
            conn, row.id, datetime.now(UTC), region_prefix=sc.region_prefix
        )
    if done:
        record("alert.silence_end", f"silence:{row.id}", matchers=row.matchers, was=state)
        flash("silences", "success", f"静默 #{row.id} 已结束，约 30 秒内告警恢复通知。")
    else:
        flash("silences", "warning", f"静默 #{row.id} 已经结束，或不在您的管辖范围内。")
    st.rerun()


def matcher_inputs(k: str) -> tuple[Center | None, dict[str, str | None]]:
    national = sc.region_prefix == ""
    c = st.columns(3)
    center = c[0].selectbox(
        "中心", [None, *places.centers] if national else places.centers, key=f"{k}center",
        format_func=lambda x: "全部中心" if x is None else x.name,
    )  # fmt: skip
    deps = places.departments.get(center.code, []) if center else []
    dept = c[1].selectbox(
        "部门", [None, *deps], key=f"{k}dept", format_func=lambda d: d.name if d else "全部部门"
    )
    wins = places.windows.get(center.code, []) if center else []
    wins = [w for w in wins if not dept or w.department_code == dept.code]
    window = c[2].selectbox(
        "窗口", [None, *wins], key=f"{k}window", format_func=lambda w: w.name if w else "全部窗口"
    )
    rule = c[0].selectbox(
        "规则", [None, *Rule], key=f"{k}rule",
        format_func=lambda r: RULE_LABELS[r] if r else "全部规则",
    )  # fmt: skip
    level = c[1].selectbox(
        "级别", [None, *AlertLevel], key=f"{k}level",
        format_func=lambda v: ALERT_LEVEL_LABELS[v] if v else "全部级别",
    )  # fmt: skip
    subject = c[2].text_input(
        "对象（可选）", key=f"{k}subject", help="办件编号、窗口编码等；以 * 结尾表示前缀"
    )
    return center, {
        "center_code": center.code if center else None,
        "department_code": dept.code if dept else None,
        "window_code": window.code if window else None,
        "rule": rule.value if rule else None,
        "level": level.value if level else None,
        "subject": subject,
    }


def period_inputs(k: str, schedule: SilenceSchedule) -> dict[str, Any]:
    start = st.session_state.setdefault(
        f"{k}now", datetime.now(tz).replace(second=0, microsecond=0)
    )
    got: dict[str, Any] = {"weekdays": (), "from_time": time(0), "to_time": time(23, 59, 59)}
    if schedule == SilenceSchedule.WEEKLY:
        w = st.columns([3, 1, 1])
        got["weekdays"] = w[0].multiselect(
            "星期", range(7), default=list(range(5)), key=f"{k}days",
            format_func=lambda d: WEEKDAYS[d],
        )  # fmt: skip
        got["from_time"] = w[1].time_input("每日开始", time(12, 0), key=f"{k}from", step=300)
        got["to_time"] = w[2].time_input("每日结束", time(13, 30), key=f"{k}to", step=300)
    c = st.columns(4)
    day = c[0].date_input("开始日期", start.date(), key=f"{k}sd")
    at = c[1].time_input("开始时间", start.time(), key=f"{k}st", step=300)
    got["starts_at"] = datetime.combine(day, at, tz)
    open_ended = schedule != SilenceSchedule.ALWAYS and c[3].checkbox(
        "不设结束时间", key=f"{k}open", help="直至手动结束"
    )
    got["ends_at"] = None
    if not open_ended:
        until = start + timedelta(hours=2)
        day = c[2].date_input("结束日期", until.date(), key=f"{k}ed")
        at = c[3].time_input("结束时间", until.time(), key=f"{k}et", step=300)
        got["ends_at"] = datetime.combine(day, at, tz)
    return got


def new_silence() -> None:
    k = f"sil{st.session_state.setdefault('silence_form', 0)}-"
    center, matchers = matcher_inputs(k)
    schedule = st.radio(
        "静默时段", list(SCHEDULE_CHOICES), key=f"{k}schedule", horizontal=True,
        format_func=lambda s: SCHEDULE_CHOICES[s],
    )  # fmt: skip
    period = period_inputs(k, schedule)
    reason = st.text_area("静默原因（必填）", key=f"{k}reason", placeholder="如：3号窗口装修停用")
    if not st.button("创建静默", type="primary"):
        return
    now = datetime.now(UTC)
    try:
        silence = build_silence(
            matchers=matchers, schedule=schedule, reason=reason, now=now,
            need_center=sc.region_prefix != "", **period,
        )  # fmt: skip
    except FormError as exc:
        st.error(f"不能创建静默：{exc}")
        return
    with pool().connection() as conn:
        sid = silence_repo.create_silence(
            conn,
            silence,
            created_by=user.username,
            region_code=center.region_code if center else "",
        )
    record(
        "alert.silence_create", f"silence:{sid}", matchers=dict(silence.matchers),
        schedule=silence.schedule.value, starts_at=silence.starts_at.isoformat(),
        ends_at=silence.ends_at.isoformat() if silence.ends_at else None, reason=silence.comment,
    )  # fmt: skip
    st.session_state["silence_form"] += 1
    flash("silences", "success", f"已创建静默 #{sid}，约 30 秒内生效。")
    st.rerun()


def silences_section() -> None:
    st.caption(
        "命中静默的告警照常记录，并在「实时告警」中标为已静默，但不发送通知、不自动升级。"
        "新建或结束的静默约 30 秒内生效。"
    )
    show_flash("silences")
    show_ended = st.toggle(f"显示近 {KEPT_DAYS} 天已结束的静默")
    now = datetime.now(UTC)
    with pool().connection() as conn:
        rows = silence_repo.list_silences(
            conn, region_prefix=sc.region_prefix, now=now,
            ended_since=now - timedelta(days=KEPT_DAYS) if show_ended else None,
        )  # fmt: skip
    if not rows:
        st.info("当前没有静默规则。")
    for row in rows:
        silence_card(row, now)
    st.subheader("新建静默")
    with st.container(border=True, key="new-silence"):
        new_silence()


if is_admin:
    # keyed, so the chosen tab survives the reruns after each action; only it is computed
    silences_tab, channels_tab = st.tabs(["静默规则", "通知渠道"], key="tab", on_change="rerun")
    if silences_tab.open:
        with silences_tab:
            silences_section()
    if channels_tab.open:
        with channels_tab:
            ChannelSettings(user, places, tz).show()
else:
    silences_section()
    st.caption("通知渠道由系统管理员维护。")
