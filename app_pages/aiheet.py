"""Page placeholder: being wired to textkit functions."""

import streamlit as st

from app_pages import common

st.title(common.t("page_topics"))
