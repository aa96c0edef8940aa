"""Widgets every page uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import polars as pl
import streamlit as st

from retention_core.errors import RetentionError
from retention_core.exports import to_safe_csv

T = TypeVar("T")


def run_or_stop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn``; show a RetentionError as a readable message and stop the page."""
    try:
        return fn(*args, **kwargs)
    except RetentionError as err:
        st.error(str(err))
        st.stop()
        raise  # unreachable: st.stop raises


def download_csv(frame: pl.DataFrame, file_name: str, label: str = "Download CSV",
                 key: str | None = None) -> None:
    """A download button for ``frame`` as a spreadsheet-safe CSV."""
    st.download_button(label, to_safe_csv(frame), file_name=file_name, mime="text/csv",
                       key=key or f"dl_{file_name}", icon=":material/download:",
                       on_click="ignore")


def chart(fig: Any, frame: pl.DataFrame | None = None, name: str | None = None) -> None:
    """A plotly chart with an optional CSV download of the data behind it."""
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})
    if frame is not None and name:
        download_csv(frame, f"{name}.csv", label="Data as CSV", key=f"dl_chart_{name}")


def empty_state(message: str, *, link_to_data: bool = True) -> None:
    """Say what is missing and where to add it, and stop the page."""
    st.info(message, icon=":material/info:")
    if link_to_data:
        st.page_link("pages/6_data.py", label="Go to Data to import files", icon=":material/upload:")
    st.stop()
