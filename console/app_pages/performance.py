"""绩效统计: the indicators of DOMAIN.md per window, staff member, department or centre for a
day, month, quarter or year — 办件 indicators, 在岗率 from the video, 进驻率 and 授权率 from the
matter catalogue; the month's scores and ranking of departments; a daily trend; and the 办件
behind a number (drill-down)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from accountability.indicators import (
    LEVEL_LABELS,
    Indicators,
    Level,
    compute,
    parse_period,
    refresh_all,
    trend,
)
from accountability.monthly import month_of
from console.services import pool, require_user, scope
from store.repos import indicators as repo
from store.repos import reference

require_user()
where = scope()
st.title("绩效统计")
CATALOGUE_LEVELS = (Level.DEPARTMENT, Level.CENTER)  # a window or a person has no catalogue


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def hours(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes / 60:.1f}"


def seat_and_catalogue(i: Indicators, level: Level) -> dict[str, object]:
    """在岗 minutes (as hours) and the catalogue counts behind the rates."""
    s, c = i.seat, i.catalogue
    row: dict[str, object] = {
        "应在岗(小时)": hours(s.scheduled_minutes if s else None),
        "可判定(小时)": hours(s.observed_minutes if s else None),
        "在岗(小时)": hours(s.seat_minutes if s else None),
        "在岗率": pct(i.seat_rate),
        "视频覆盖率": pct(i.video_coverage),
    }
    if level in CATALOGUE_LEVELS:
        row |= {
            "应进事项": c.required_n if c else 0,
            "已进驻": c.entered_n if c else 0,
            "进驻率": pct(i.entry_rate),
            "审核权授权率": pct(i.review_rate),
            "审批权授权率": pct(i.approval_rate),
            "有办件事项": c.active_n if c else 0,
        }
    return row


with pool().connection() as conn:
    centers = reference.centers(conn, where.region_prefix)
if not centers:
    st.info("当前管辖范围内还没有政务服务中心。")
    st.stop()

c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
center = c1.selectbox("中心", centers, format_func=lambda c: c.name)
level = c2.selectbox(
    "统计对象",
    [Level.DEPARTMENT, Level.WINDOW, Level.STAFF, Level.CENTER],
    format_func=LEVEL_LABELS.get,
)
today = date.today()
text = c3.text_input(
    "统计期",
    value=f"{today.year}-{today.month:02d}",
    help="日 2025-10-09，月 2025-10，季 2025-Q4，年 2025",
)
try:
    period = parse_period(text)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
if c4.button("刷新统计"):
    with pool().connection() as conn:
        refresh_all(conn)

now = datetime.now(ZoneInfo(center.schedule.timezone))
with pool().connection() as conn:
    rows = compute(conn, level, period, center_code=center.code, now=now)
    names = repo.department_names(conn, center.code)
    month = month_of(conn, center.code, period, now=now) if level is Level.DEPARTMENT else None

st.subheader(f"{period.label} · 按{LEVEL_LABELS[level]}")
st.dataframe(
    pd.DataFrame(
        [
            {
                LEVEL_LABELS[level]: names.get(i.key, i.key) or "（未标明）",
                "受理": i.accepted,
                "办结": i.completed,
                "按时办结率": pct(i.on_time_rate),
                "提前办结率": pct(i.early_rate),
                "超时办结": i.late,
                "现场办结率": pct(i.first_visit_rate),
                "日结率": pct(i.same_day_rate),
                "即办件平均(分钟)": num(i.instant_minutes),
                "承诺件平均(工作日)": num(i.promised_days),
                "提速率": pct(i.speedup_rate),
                "满意率": pct(i.satisfaction_rate),
                "差评率": pct(i.bad_rate),
                "评议率": pct(i.rated_rate),
                "投诉": "—" if i.complaints is None else i.complaints,
            }
            for i in rows
        ]
    ),
    hide_index=True,
    use_container_width=True,
)

st.subheader("在岗与进驻授权")
st.caption(
    "在岗率 = 有人在座的开放分钟 ÷ 视频可判定的开放分钟（工作日开放时段，不含午休；"
    "摄像机故障或无视频的分钟不计为空岗，见视频覆盖率）。进驻率 = 已进驻大厅的应进事项 ÷ 应进事项；"
    "授权率 = 窗口获授审核权/审批权的进驻事项 ÷ 进驻事项（按当前事项目录）。"
    + ("工作人员按当日在该窗口签到计入。" if level is Level.STAFF else "")
)
st.dataframe(
    pd.DataFrame(
        [
            {LEVEL_LABELS[level]: names.get(i.key, i.key) or "（未标明）"}
            | seat_and_catalogue(i, level)
            for i in rows
        ]
    ),
    hide_index=True,
    use_container_width=True,
)

if month is not None:
    st.subheader("考核得分与排名")
    st.caption(
        f"评分模型：{month.model.name}（基础分 {month.model.base:g}）。预警、黄牌、红牌按告警条件"
        "开始的时间计入统计期；作为误报撤销的告警，以及办件实际已按时办结的时限告警不计。"
        "实时告警页显示的是当前未处理的告警。"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "排名": r.score.rank,
                    "部门": r.department,
                    "得分": num(r.score.total, 1),
                    "等次": r.score.grade,
                    "预警": r.warnings,
                    "黄牌": r.yellow,
                    "红牌": r.red,
                    "提前办结加分": r.score.early_bonus,
                    "数据完整性扣分": r.score.completeness_deduction,
                }
                for r in month.ranking
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )

if rows:
    st.subheader("按时办结率趋势")
    with pool().connection() as conn:
        series = trend(conn, level, period, center_code=center.code)
    frame = pd.DataFrame(
        {
            names.get(key, key) or key: {d: i.on_time_rate for d, i in points}
            for key, points in series.items()
        }
    )
    st.line_chart(frame.sort_index())

    st.subheader("数据明细（下钻）")
    d1, d2 = st.columns(2)
    group = d1.selectbox("对象", [i.key for i in rows], format_func=lambda k: names.get(k, k))
    what = d2.radio(
        "办件",
        ["all", "late", "early"],
        horizontal=True,
        format_func={"all": "全部办结", "late": "超时办结", "early": "提前办结"}.get,
    )
    with pool().connection() as conn:
        behind = repo.cases_behind(conn, level.value, group, period.start, period.end, what)
    st.dataframe(pd.DataFrame(behind), hide_index=True, use_container_width=True)
