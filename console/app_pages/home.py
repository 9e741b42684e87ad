"""总览: the centres in the user's scope at a glance, refreshed every half minute — active
alerts by level and the most severe ones, 办件 today (accepted, completed, in progress,
overdue), the hall now (windows staffed, people waiting) and the public's voice today
(complaints, bad ratings), with links to the pages that handle them. A county sees its centre
as a card; a city or province with more than CARDS centres sees one row per centre, the
busiest first."""

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
from store.repos.alerts import board, records

TZ = ZoneInfo("Asia/Shanghai")
REFRESH_SECONDS = 30
TOP_ALERTS = 5
CARDS = 4  # up to this many centres get a card each

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


def attention(alerts: list[records.AlertRow], names: dict[str, str] | None = None) -> None:
    """The most severe active alerts (with their centre when there are several)."""
    if not alerts:
        st.success("当前没有待处理的告警。", icon=":material/check_circle:")
        return
    st.markdown("**需要关注**")
    rows = []
    for a in alerts:
        row = {"级别": ALERT_LEVEL_LABELS[AlertLevel(a.level)], "规则": _rule(a.rule)}
        if names is not None:
            row["中心"] = names.get(a.center_code, a.center_code)
        rows.append(row | {"摘要": a.summary, "发生": _local(a.since)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)


def links() -> None:
    targets = [
        (file, label)
        for file, label in (
            ("alerts.py", "实时告警"), ("cases.py", "办件监控"), ("patrol.py", "视频巡查")
        )
        if file in visible
    ]  # fmt: skip
    for col, (file, label) in zip(st.columns(4), targets, strict=False):
        col.page_link(f"app_pages/{file}", label=f"进入{label}")


def card(
    center: Center,
    summary: overview.CenterSummary,
    day: overview.Today,
    levels: dict[str, int],
    now: datetime,
) -> None:
    dept = where.department_code
    with pool().connection() as conn:
        top = board.list_alerts(
            conn, region_prefix=where.region_prefix, department_code=dept,
            center_code=center.code, limit=TOP_ALERTS,
        )  # fmt: skip
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
        attention(top)
        links()


def table(
    centers: list[Center],
    summaries: dict[str, overview.CenterSummary],
    days: dict[str, overview.Today],
    levels: dict[str, dict[str, int]],
) -> None:
    """One row per centre, the ones with the most red, then yellow alerts first."""
    rows = []
    for c in centers:
        s, d, lv = summaries[c.code], days[c.code], levels.get(c.code, {})
        rows.append(
            {
                "中心": c.name,
                "区划": s.region_name,
                "红牌": lv.get(AlertLevel.RED, 0),
                "黄牌": lv.get(AlertLevel.YELLOW, 0),
                "在办超期": d.overdue,
                "排队等候": d.waiting,
                "今日受理": d.accepted,
                "今日办结": d.completed,
                "今日投诉": d.complaints,
                "今日差评": d.bad_ratings,
                "最近事件": _local(s.last_event_at),
            }
        )
    frame = pd.DataFrame(rows).sort_values(["红牌", "黄牌"], ascending=False, kind="stable")
    st.dataframe(frame, hide_index=True, use_container_width=True)


@st.fragment(run_every=REFRESH_SECONDS)
def live() -> None:
    now = datetime.now(TZ)
    with pool().connection() as conn:
        summaries = {s.code: s for s in overview.center_summaries(conn, **where.params())}
        centers = [c for c in reference.centers(conn, where.region_prefix) if c.code in summaries]
        days = overview.today(conn, where.region_prefix, now, where.department_code)
        levels = board.level_counts_by_centre(conn, **where.params())
        top = board.list_alerts(conn, **where.params(), limit=2 * TOP_ALERTS)
    if not centers:
        st.info("当前管辖范围内还没有政务服务中心。管理员可用 `hallwatch up` 载入演示中心。")
        return
    if len(centers) > 1:
        cols = st.columns(4)
        cols[0].metric("服务中心", len(centers))
        cols[1].metric("进驻部门", sum(s.departments for s in summaries.values()))
        cols[2].metric("窗口", sum(s.windows for s in summaries.values()))
        cols[3].metric("今日事件", sum(s.events_today for s in summaries.values()))
    if len(centers) <= CARDS:
        for c in centers:
            card(c, summaries[c.code], days[c.code], levels.get(c.code, {}), now)
    else:
        table(centers, summaries, days, levels)
        attention(top, {c.code: c.name for c in centers})
        links()
    st.caption(f"刷新于 {now.strftime('%H:%M:%S')}，每 {REFRESH_SECONDS} 秒自动刷新")


live()
