"""绩效统计: the indicators of DOMAIN.md per window, staff member, department or centre for a
day, month, quarter or year; the month's scores and ranking of departments; a daily trend; and
the 办件 behind a number (drill-down)."""

from datetime import date

import pandas as pd
import streamlit as st

from accountability.indicators import LEVEL_LABELS, Level, compute, parse_period, trend
from accountability.monthly import month_of
from console.services import pool, require_user, scope
from store.repos import indicators as repo
from store.repos import reference

require_user()
where = scope()
st.title("绩效统计")


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.2f}%"


def num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


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
        repo.refresh(conn)

with pool().connection() as conn:
    rows = compute(conn, level, period, center_code=center.code)
    names = repo.department_names(conn, center.code)
    month = month_of(conn, center.code, period) if level is Level.DEPARTMENT else None

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

if month is not None:
    st.subheader("考核得分与排名")
    st.caption(f"评分模型：{month.model.name}（基础分 {month.model.base:g}）")
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
