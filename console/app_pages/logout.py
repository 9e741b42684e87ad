"""退出登录."""

import streamlit as st

from console.services import record

record("logout")
st.session_state.clear()
st.rerun()
