"""Data page (filled by issue 2: upload, mapping, validation report, imports)."""

import streamlit as st

st.title("Data")
st.info("Import is being built.", icon=":material/construction:")
