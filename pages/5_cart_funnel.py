"""Cart funnel page (filled by issue 6)."""

import streamlit as st

from dashboard import state

ctx = state.page_context()

st.title("Cart funnel")
st.info("This page is being built: its numbers are not available yet.", icon=":material/construction:")
