"""操作日志: the latest actions in the console (logins, alert handling, video views …)."""

import pandas as pd
import streamlit as st

from console.services import pool, require_user
from store.repos import audit

require_user()
st.title("操作日志")
actor = st.text_input("操作人", placeholder="全部")
with pool().connection() as conn:
    entries = audit.recent(conn, actor=actor.strip() or None, limit=200)
st.dataframe(
    pd.DataFrame(
        [
            {
                "时间": e.at,
                "操作人": e.actor,
                "操作": e.action,
                "对象": e.subject,
                "区划": e.region_code,
                "详情": e.detail,
            }
            for e in entries
        ]
    ),
    hide_index=True,
    use_container_width=True,
)
