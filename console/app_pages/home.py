"""总览: the centres in the user's scope with their departments, windows and today's events."""

from zoneinfo import ZoneInfo

import streamlit as st

from console.services import pool, require_user, scope
from core.enums import ROLE_LABELS
from store.repos import overview

TZ = ZoneInfo("Asia/Shanghai")
user = require_user()
st.title("总览")
st.caption(f"{user.display_name}（{ROLE_LABELS[user.role]}） · 管辖区划 {user.region_code}")

with pool().connection() as conn:
    rows = overview.center_summaries(conn, **scope().params())

if not rows:
    st.info("当前管辖范围内还没有政务服务中心。管理员可用 `hallwatch up` 载入演示中心。")
else:
    cols = st.columns(4)
    cols[0].metric("服务中心", len(rows))
    cols[1].metric("进驻部门", sum(r.departments for r in rows))
    cols[2].metric("窗口", sum(r.windows for r in rows))
    cols[3].metric("今日事件", sum(r.events_today for r in rows))
    for r in rows:
        with st.container(border=True):
            st.subheader(r.name, divider="gray")
            c = st.columns(4)
            c[0].metric("区划", r.region_name)
            c[1].metric("部门 / 窗口", f"{r.departments} / {r.windows}")
            c[2].metric("今日事件", r.events_today)
            last = (
                r.last_event_at.astimezone(TZ).strftime("%m-%d %H:%M") if r.last_event_at else "—"
            )
            c[3].metric("最近事件", last)
