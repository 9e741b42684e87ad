"""总览: each centre in the user's scope at a glance, refreshed every half minute — active
alerts by level and the most severe ones, 办件 today (accepted, completed, in progress,
overdue), the hall now (windows staffed, people waiting) and the public's voice today
(complaints, bad ratings), with links to the pages that handle them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from alerts.findings import RULE_LABELS, Rule
from console.navigation import PAGES
from console.services import pool, require_user, scope
from core.calendar import official_calendar
from core.enums import ALERT_LEVEL_LABELS, ROLE_LABELS, AlertLevel
from core.reference import Center
from store.repos import overview, reference
from store.repos.alerts import board

TZ = ZoneInfo("Asia/Shanghai")
REFRESH_SECONDS = 30
TOP_ALERTS = 5

user = require_user()
where = scope()
st.title("总览")
st.caption(f"{user.display_name}（{ROLE_LABELS[user.role]}） · 管辖区划 {user.region_code}")
visible = {p.file for p in PAGES if user.role in p.roles}


def _local(t: datetime | None) -> str:
    return t.astimezone(TZ).strftime("%m-%d %H:%M") if t else "—"


def _rule(rule: str) -> str:
    return RULE_LABELS[Rule(rule)] if rule in Rule._value2member_map_ else rule


def seats(tiles: list[board.WindowTile], open_now: bool) -> tuple[str, str | None]:
    """窗口在岗 as "staffed / windows" while the hall is open, with the empty and faulty ones."""
    if not open_now:
        return "非办公时间", None
    staffed = sum(t.state == "occupied" for t in tiles)
    empty = sum(t.state == "empty" for t in tiles)
    fault = sum(t.state == "fault" for t in tiles)
    note = "，".join(
        x for x in (f"空岗 {empty}" if empty else "", f"故障 {fault}" if fault else "") if x
    )
    return f"{staffed} / {len(tiles)}", note or None


def centre(center: Center, summary: overview.CenterSummary, now: datetime) -> None:
    dept = where.department_code
    with pool().connection() as conn:
        levels = board.level_counts(
            conn, region_prefix=where.region_prefix, department_code=dept, center_code=center.code
        )
        top = board.list_alerts(
            conn, region_prefix=where.region_prefix, department_code=dept,
            center_code=center.code, limit=TOP_ALERTS,
        )  # fmt: skip
        day = overview.today(conn, center.code, now, dept)
        tiles = board.window_map(conn, center.code, dept)
    with st.container(border=True):
        st.subheader(center.name, divider="gray")
        st.caption(
            f"{summary.region_name} · {summary.departments} 个部门 · {summary.windows} 个窗口"
            f" · 今日事件 {summary.events_today} · 最近事件 {_local(summary.last_event_at)}"
        )
        a = st.columns(4)
        a[0].metric("红牌", levels.get(AlertLevel.RED, 0))
        a[1].metric("黄牌", levels.get(AlertLevel.YELLOW, 0))
        a[2].metric("在办超期", day.overdue, help="在办办件中已超过承诺时限的件数")
        a[3].metric("排队等候", day.waiting, help="今日已取号、尚未叫号的人数")
        b = st.columns(4)
        b[0].metric("今日受理", day.accepted)
        b[1].metric("今日办结", day.completed, help=f"在办 {day.in_progress} 件")
        staffed, note = seats(tiles, official_calendar().is_open(now, center.schedule))
        b[2].metric("窗口在岗", staffed, help=note)
        b[3].metric(
            "今日投诉 / 差评",
            f"{day.complaints} / {day.bad_ratings}",
            help=f"今日评价 {day.ratings} 条，差评为“不满意”“非常不满意”",
        )
        if top:
            st.markdown("**需要关注**")
            frame = pd.DataFrame(
                [
                    {
                        "级别": ALERT_LEVEL_LABELS[AlertLevel(x.level)],
                        "规则": _rule(x.rule),
                        "摘要": x.summary,
                        "发生": _local(x.since),
                    }
                    for x in top
                ]
            )
            st.dataframe(frame, hide_index=True, use_container_width=True)
        else:
            st.success("当前没有待处理的告警。", icon=":material/check_circle:")
        targets = [
            (file, label)
            for file, label in (
                ("alerts.py", "实时告警"), ("cases.py", "办件监控"), ("patrol.py", "视频巡查")
            )
            if file in visible
        ]  # fmt: skip
        for col, (file, label) in zip(st.columns(4), targets, strict=False):
            col.page_link(f"app_pages/{file}", label=f"进入{label}")


@st.fragment(run_every=REFRESH_SECONDS)
def live() -> None:
    now = datetime.now(TZ)
    with pool().connection() as conn:
        summaries = {s.code: s for s in overview.center_summaries(conn, **where.params())}
        centers = [c for c in reference.centers(conn, where.region_prefix) if c.code in summaries]
    if not centers:
        st.info("当前管辖范围内还没有政务服务中心。管理员可用 `hallwatch up` 载入演示中心。")
        return
    if len(centers) > 1:
        cols = st.columns(4)
        cols[0].metric("服务中心", len(centers))
        cols[1].metric("进驻部门", sum(s.departments for s in summaries.values()))
        cols[2].metric("窗口", sum(s.windows for s in summaries.values()))
        cols[3].metric("今日事件", sum(s.events_today for s in summaries.values()))
    for c in centers:
        centre(c, summaries[c.code], now)
    st.caption(f"刷新于 {now.strftime('%H:%M:%S')}，每 {REFRESH_SECONDS} 秒自动刷新")


live()
