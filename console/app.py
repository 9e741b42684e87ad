"""Streamlit entry of the HallWatch console: it only builds the navigation (STYLE.md habit 11)."""

import streamlit as st

from console.navigation import pages_for
from console.services import current_user

st.set_page_config(page_title="HallWatch 电子监察平台", page_icon="🏛️", layout="wide")
st.navigation(pages_for(current_user())).run()
