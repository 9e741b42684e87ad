"""实时告警: the live alert board. It refreshes itself every few seconds: counts by level, filters,
the hall map of windows coloured by state, the alerts; for the chosen alert its evidence (case
timeline, snapshot, the counts behind a spike) and history, and the actions — acknowledge,
assign, escalate, dismiss with a reason, open an accountability case — each written to the
alert's history and the audit log."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from alerts.findings import RULE_LABELS, Rule
from alerts.lifecycle import (
    ACTION_LABELS,
    DISMISS_LABELS,
    STATUS_LABELS,
    Action,
    AlertStatus,
    DismissReason,
    TransitionError,
)
from console.services import pool, record, require_user, scope, settings
from core.calendar import official_calendar
from core.enums import ALERT_LEVEL_LABELS, ROLE_LABELS, AlertLevel, Role
from store.repos import reference
from store.repos.alerts import board, notify, records

TZ = ZoneInfo("Asia/Shanghai")
REFRESH_SECONDS = 5
LEVEL_COLOURS = {"red": "#d93025", "yellow": "#f9ab00", "warning": "#4285f4"}
STATE_COLOURS = {
    "occupied": "#1e8e3e",
    "empty": "#d93025",
    "fault": "#80868b",
    "unknown": "#dadce0",
    "closed": "#9aa0c3",
}
STATE_LABELS = {
    "occupied": "在岗",
    "empty": "空岗",
    "fault": "摄像机故障",
    "unknown": "无数据",
    "closed": "非办公时间",
}
ACTIVE = ["open", "acknowledged", "assigned"]

user = require_user()
where = scope()
st.title("实时告警")
if user.role == Role.ADMIN:  # a channel that fails for good sends nothing: say so
    with pool().connection() as conn:
        broken = [c.name for c in notify.failed_channels(conn)]
    if broken:
        st.warning(
            f"通知渠道投递失败：{'、'.join(broken)}。告警通知未能送达。", icon=":material/warning:"
        )
        st.page_link("app_pages/alert_settings.py", label="前往告警设置处理")


def _local(t: datetime | None) -> str:
    return t.astimezone(TZ).strftime("%m-%d %H:%M") if t else "—"


def _rule_label(rule: str) -> str:
    return RULE_LABELS.get(Rule(rule), rule) if rule in Rule._value2member_map_ else rule


with pool().connection() as conn:
    centers = reference.centers(conn, where.region_prefix)
if not centers:
    st.info("当前管辖范围内还没有政务服务中心。")
    st.stop()

cols = st.columns([2, 2, 2, 1, 2])
center = cols[0].selectbox("服务中心", centers, format_func=lambda c: c.name)
with pool().connection() as conn:
    departments = reference.departments(conn, center.code)
if where.department_code:
    departments = [d for d in departments if d.code == where.department_code]
dept = cols[1].selectbox(
    "部门", [None, *departments], format_func=lambda d: "全部部门" if d is None else d.name
)
rule = cols[2].selectbox(
    "规则", [None, *Rule], format_func=lambda r: "全部规则" if r is None else RULE_LABELS[r]
)
level = cols[3].selectbox(
    "级别",
    [None, *AlertLevel],
    format_func=lambda v: "全部" if v is None else ALERT_LEVEL_LABELS[v],
)
statuses = cols[4].multiselect(
    "状态", list(AlertStatus), default=ACTIVE, format_func=lambda s: STATUS_LABELS[AlertStatus(s)]
)
department_code = where.department_code or (dept.code if dept else None)


def hall_map(tiles: list[board.WindowTile], open_now: bool) -> None:
    """Windows coloured by seat state; outside opening hours (lunch, evenings, rest days) an
    empty seat is normal and shows as 非办公时间, while camera faults still show."""
    cells = []
    for t in tiles:
        state = t.state if open_now or t.state == "fault" else "closed"
        colour = STATE_COLOURS[state]
        ring = f"box-shadow:0 0 0 3px {LEVEL_COLOURS[t.alert_level]};" if t.alert_level else ""
        label = STATE_LABELS[state]
        style = (
            f"background:{colour};color:white;border-radius:6px;padding:6px 4px;"
            f"text-align:center;font-size:13px;{ring}"
        )
        cells.append(
            f'<div title="{t.department_name} · {label}" style="{style}">'
            f"{t.name}<br><small>{label}</small></div>"
        )
    legend = " ".join(
        f'<span style="color:{c}">■</span> {STATE_LABELS[s]}' for s, c in STATE_COLOURS.items()
    )
    st.markdown(
        '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(84px,1fr));'
        f'gap:8px">{"".join(cells)}</div><div style="margin-top:6px;font-size:12px">{legend}</div>',
        unsafe_allow_html=True,
    )


def alert_table(rows: list[records.AlertRow]) -> None:
    names = {d.code: d.name for d in departments}
    frame = pd.DataFrame(
        [
            {
                "编号": a.id,
                "级别": ALERT_LEVEL_LABELS[AlertLevel(a.level)],
                "规则": _rule_label(a.rule),
                "摘要": a.summary,
                "部门": names.get(a.department_code or "", a.department_code or "—"),
                "状态": STATUS_LABELS[AlertStatus(a.status)] + ("（静默）" if a.silence_id else ""),
                "重复": a.repeat_count,
                "发生": _local(a.since),
            }
            for a in rows
        ]
    )
    narrow = st.column_config.Column(width="small")
    st.dataframe(
        frame,
        hide_index=True,
        use_container_width=True,
        column_config={c: narrow for c in ("编号", "级别", "状态", "重复")}
        | {"摘要": st.column_config.Column(width="large")},
    )


@st.fragment(run_every=REFRESH_SECONDS)
def live() -> None:
    with pool().connection() as conn:
        counts = board.level_counts_by_centre(
            conn, region_prefix=where.region_prefix, department_code=department_code
        ).get(center.code, {})
        tiles = board.window_map(conn, center.code, department_code)
        rows = board.list_alerts(
            conn, region_prefix=where.region_prefix, department_code=department_code,
            center_code=center.code, rule=rule.value if rule else None,
            level=level.value if level else None, statuses=statuses or ACTIVE,
        )  # fmt: skip
    m = st.columns(4)
    m[0].metric("红牌", counts.get("red", 0))
    m[1].metric("黄牌", counts.get("yellow", 0))
    m[2].metric("预警", counts.get("warning", 0))
    m[3].metric("刷新", datetime.now(TZ).strftime("%H:%M:%S"))
    with st.expander("大厅窗口图", expanded=True):
        hall_map(tiles, official_calendar().is_open(datetime.now(TZ), center.schedule))
    if not rows:
        st.success("没有符合条件的告警。")
        return
    alert_table(rows)
    st.session_state["alert_ids"] = [a.id for a in rows]


def evidence(alert: records.AlertRow) -> None:
    ev = alert.evidence or {}
    if alert.case_no:
        with pool().connection() as conn:
            steps = board.case_timeline(conn, alert.case_no)
        st.markdown(f"**办件时间线** {alert.case_no}")
        rows = [
            {"时间": _local(e["occurred_at"]), "事件": e["kind"], "窗口": e["window_code"]}
            for e in steps
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)
    if ev.get("snapshot"):
        st.image(ev["snapshot"], caption="抓拍")
    if ev.get("counts"):
        frame = pd.DataFrame(ev["counts"], columns=["时间", "计数", "基线"])
        st.markdown(f"**计数与基线** 近窗口 {ev.get('observed')} 件，期望 {ev.get('expected')}")
        base = alt.Chart(frame).encode(x=alt.X("时间:T", title=None))
        chart = base.mark_bar(color="#d93025").encode(y="计数:Q") + base.mark_line(
            color="#4285f4"
        ).encode(y="基线:Q")
        st.altair_chart(chart, use_container_width=True)
    shown = {k: v for k, v in ev.items() if k not in {"counts", "snapshot"}}
    if shown:
        st.json(shown, expanded=False)


def act(alert_id: int, action: Action, **kw: object) -> None:
    try:
        with pool().connection() as conn:
            records.act(conn, alert_id, action, user.username, region_code=user.region_code, **kw)  # type: ignore[arg-type]
    except TransitionError as exc:
        st.error(f"不能{ACTION_LABELS[action]}：{exc}")
    else:
        st.toast(f"已{ACTION_LABELS[action]}告警 #{alert_id}")


def actions(alert: records.AlertRow) -> None:
    if alert.status not in ACTIVE:
        st.caption(f"告警已{STATUS_LABELS[AlertStatus(alert.status)]}。")
        return
    if user.role == Role.LEADER:
        st.caption("领导可查看告警与处理记录。")
        return
    c = st.columns(3)
    if c[0].button("确认", disabled=alert.status != "open", key=f"ack{alert.id}"):
        act(alert.id, Action.ACKNOWLEDGE)
        st.rerun()
    if c[1].button("升级", key=f"esc{alert.id}"):
        act(alert.id, Action.ESCALATE, reason="人工升级")
        st.rerun()
    if c[2].button("标记解决", disabled=alert.status == "open", key=f"res{alert.id}"):
        act(alert.id, Action.RESOLVE, reason="已处理")
        st.rerun()
    with st.form(f"assign{alert.id}", border=True):
        who = st.text_input("指派给（用户名）")
        if st.form_submit_button("指派"):
            act(alert.id, Action.ASSIGN, assignee=who.strip(), reason="指派处理")
            st.rerun()
    with st.form(f"dismiss{alert.id}", border=True):
        why = st.selectbox("驳回原因", list(DismissReason), format_func=lambda r: DISMISS_LABELS[r])
        note = st.text_area("说明（必填）")
        if st.form_submit_button("驳回"):
            act(alert.id, Action.DISMISS, dismiss_reason=why, reason=note.strip())
            st.rerun()
    if user.role == Role.SUPERVISOR and st.button("立案追责", key=f"acc{alert.id}"):
        open_case(alert)


def open_case(alert: records.AlertRow) -> None:
    """立案追责: open (or find) the alert's accountability case, then show it in 责任追究."""
    from accountability.origins import open_from_alert
    from accountability.service import AccountabilityError, Actor

    evidence = settings().evidence_dir
    try:
        with pool().connection() as conn:
            case = open_from_alert(
                conn, alert.id, Actor.of(user), datetime.now(UTC), evidence_dir=evidence
            )
    except AccountabilityError as exc:
        st.error(f"不能立案：{exc}")
        return
    record("accountability.from_alert", f"case:{case.id}", alert_id=alert.id, rule=alert.rule)
    st.session_state["flash"] = f"已从告警 #{alert.id} 立案：追责案件 #{case.id}"
    st.switch_page("app_pages/accountability.py", query_params={"case": str(case.id)})


def detail(alert_id: int) -> None:
    with pool().connection() as conn:
        alert = records.get(conn, alert_id)
        history = records.history(conn, alert_id) if alert else []
    if alert is None:
        return
    st.subheader(
        f"#{alert.id} {ALERT_LEVEL_LABELS[AlertLevel(alert.level)]} · {_rule_label(alert.rule)}"
    )
    st.write(alert.summary)
    st.caption(
        f"{STATUS_LABELS[AlertStatus(alert.status)]} · 发生 {_local(alert.since)}"
        f" · 更新 {_local(alert.updated_at)} · 重复 {alert.repeat_count} 次"
        f" · 升级至{ROLE_LABELS[Role(alert.escalation_role)]}"
        + (f" · 处理人 {alert.assignee}" if alert.assignee else "")
        + (" · 静默中" if alert.silence_id else "")
    )
    left, right = st.columns([3, 2])
    with left:
        evidence(alert)
    with right:
        actions(alert)
    st.markdown("**处理记录**")
    st.table(
        pd.DataFrame(
            [
                {
                    "时间": _local(h.at),
                    "操作人": h.actor,
                    "操作": ACTION_LABELS.get(Action(h.action), h.action),
                    "状态": STATUS_LABELS[AlertStatus(h.to_status)],
                    "级别": ALERT_LEVEL_LABELS[AlertLevel(h.level)],
                    "原因": h.reason or "",
                }
                for h in history
            ]
        ).set_index("时间")
    )


live()
ids = st.session_state.get("alert_ids", [])
wanted = st.query_params.get("alert")
if wanted and wanted.isdigit() and int(wanted) not in ids:
    ids = [int(wanted), *ids]
if ids:
    chosen = st.selectbox("查看告警", ids, format_func=lambda i: f"告警 #{i}", key="chosen_alert")
    detail(int(chosen))
