"""登录: user name and password; every attempt is written to the audit log."""

import streamlit as st

from console.services import pool
from store.repos import audit, users

st.title("HallWatch 电子监察平台")
st.caption("政务服务中心电子监察与视频监察")

with st.form("login", border=True):
    username = st.text_input("用户名")
    password = st.text_input("密码", type="password")
    submitted = st.form_submit_button("登录", type="primary")

if submitted:
    with pool().connection() as conn:
        user = users.authenticate(conn, username.strip(), password)
        audit.write(
            conn,
            username.strip() or "(空)",
            "login" if user else "login.failed",
            region_code=user.region_code if user else None,
        )
    if user is None:
        st.error("用户名或密码错误")
    else:
        st.session_state["user"] = user
        st.rerun()
