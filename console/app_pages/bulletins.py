"""通报: make a centre's monthly bulletin (月度通报) on demand, download it, and the history of
bulletins (the automatic ones are made on the first working day of each month)."""

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from accountability.bulletin import make
from accountability.files import Storage
from accountability.indicators import month_period
from console.services import pool, record, require_user, scope, settings
from store.repos import indicators as repo
from store.repos import reference

TZ = ZoneInfo("Asia/Shanghai")
STATUS = {"pending": "生成中", "done": "已生成", "failed": "失败"}

user = require_user()
where = scope()
storage = Storage.from_settings(settings())
st.title("通报")

with pool().connection() as conn:
    centers = reference.centers(conn, where.region_prefix)
if not centers:
    st.info("当前管辖范围内还没有政务服务中心。")
    st.stop()

st.subheader("生成月度通报")
today = date.today()
last = today.replace(day=1).toordinal() - 1
default = date.fromordinal(last)
c1, c2, c3, c4 = st.columns([3, 1, 1, 1])
center = c1.selectbox("中心", centers, format_func=lambda c: c.name)
year = c2.number_input("年", min_value=2000, max_value=2100, value=default.year)
month = c3.number_input("月", min_value=1, max_value=12, value=default.month)
if c4.button("生成通报", type="primary"):
    period = month_period(int(year), int(month))
    with st.spinner("正在生成通报……"), pool().connection() as conn:
        row = make(conn, center.code, period, storage, datetime.now(UTC), user.username)
    record("bulletin.make", f"bulletin:{row.id}" if row else None, month=period.label)
    st.success(f"已生成{period.label}通报")

st.subheader("历史通报")
with pool().connection() as conn:
    rows = repo.bulletins(conn, region_prefix=where.region_prefix)
names = {c.code: c.name for c in centers}
if not rows:
    st.caption("暂无通报，可在上方选择中心和月份生成。")
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "月份": f"{b.month.year}年{b.month.month}月",
                    "中心": names.get(b.center_code, b.center_code),
                    "状态": STATUS.get(b.status, b.status),
                    "生成人": b.requested_by,
                    "生成时间": b.made_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
                    if b.made_at
                    else "—",
                    "办结": b.summary.get("completed"),
                    "红牌": b.summary.get("red"),
                    "黄牌": b.summary.get("yellow"),
                    "问责": b.summary.get("measures"),
                }
                for b in rows
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )
for b in rows:
    if b.pdf_path and Path(b.pdf_path).is_file():
        label = (
            f"下载 {names.get(b.center_code, b.center_code)} {b.month.year}年{b.month.month}月通报"
        )
        st.download_button(
            label,
            Path(b.pdf_path).read_bytes(),
            file_name=f"{b.month:%Y-%m}月度通报.pdf",
            mime="application/pdf",
            key=f"b{b.id}",
        )
