"""Workspace, global filters and caching for the Streamlit app."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from dashboard import prewarm
from retention_core.filters import PERIODS, Filters
from retention_core.workspace import Workspace, default_workspace_path

DEMO_CUSTOMERS = 3000
DEMO_SEED = 7


@st.cache_resource(show_spinner=False)
def _user_workspace(path: str) -> Workspace:
    return Workspace(path)


@st.cache_resource(show_spinner="Building the demo data set…")
def _demo_workspace() -> Workspace:
    from retention_core.demo import generate_demo

    return Workspace.from_frames(**generate_demo(customers=DEMO_CUSTOMERS, seed=DEMO_SEED))


def user_workspace() -> Workspace:
    """The workspace imports go to (``$RETENTION_WORKSPACE`` or the per-user default)."""
    return _user_workspace(str(default_workspace_path()))


def active_workspace() -> tuple[Workspace, bool]:
    """The workspace the pages show, and whether it is the demo data set.

    An empty user workspace shows the demo; the first real import replaces it.
    """
    ws = user_workspace()
    if ws.is_empty():
        return _demo_workspace(), True
    return ws, False


def _workspace_by_path(path: str) -> Workspace:
    return _demo_workspace() if path == "demo" else _user_workspace(path)


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_call(fn_path: str, ws_path: str, version: int, args: tuple, kwargs: tuple) -> Any:
    module, _, name = fn_path.rpartition(".")
    fn = getattr(importlib.import_module(module), name)
    ws = _workspace_by_path(ws_path)
    with ws.snapshot() as cur:
        return fn(cur, *args, **dict(kwargs))


def cached(fn: Callable[..., Any], ws: Workspace, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn(ws.cursor(), *args, **kwargs)``, cached on workspace version and arguments.

    ``fn`` must be a module-level function of ``retention_core`` whose arguments are
    hashable (Filters, strings, numbers, dates, tuples).
    """
    path = "demo" if ws is _demo_workspace() else ws.path
    fn_path, items = f"{fn.__module__}.{fn.__qualname__}", tuple(sorted(kwargs.items()))
    # an unfiltered view (of the demo too) is computed ahead after the next import
    prewarm.record(fn_path, args, items, prewarm.views_file(default_workspace_path()))
    return _cached_call(fn_path, path, ws.version, args, items)


# -- global filters -----------------------------------------------------------------------

_FILTER_KEYS = ("start", "end", "channel", "country", "device", "period")
_WIDGET_KEYS = ("flt_dates", "flt_channel", "flt_country", "flt_device", "flt_period")


def _keep(key: str) -> None:
    """Widget state is dropped when the page changes; keep a copy that survives."""
    st.session_state[f"keep_{key}"] = st.session_state[key]


def keep_widget_values(defaults: Mapping[str, Any]) -> None:
    """Keep the values of widgets that a run may not draw (inside a tab that is not open).

    Streamlit forgets a widget's value after a run that does not draw it, but not a value
    set through session state: each key gets its default on the first run and is set to
    its own value on later ones. The widgets then take no ``value`` / ``index`` of their
    own (Streamlit warns when both are given).
    """
    for key, default in defaults.items():
        st.session_state[key] = st.session_state.get(key, default)


def _restore_filter_state(options: dict[str, list[str]], bounds: tuple[date, date] | None) -> None:
    """Fill the filter widgets' state: from the kept copy, else from the URL (first run)."""
    if "keep_flt_period" not in st.session_state:
        # First run of the session: start from the URL (a bookmarked view).
        for key in ("channel", "country", "device"):
            st.session_state[f"keep_flt_{key}"] = [
                v for v in _from_query(key) if v in options.get(key, [])]
        period = st.query_params.get("period", "month")
        st.session_state.keep_flt_period = period if period in PERIODS else "month"
        dates = []
        for key in ("start", "end"):
            try:
                dates.append(date.fromisoformat(st.query_params.get(key, "")))
            except ValueError:
                dates.append(None)
        if bounds:
            st.session_state.keep_flt_dates = (dates[0], dates[1]) if all(dates) else bounds
    for key in _WIDGET_KEYS:
        if f"keep_{key}" in st.session_state:
            value = st.session_state[f"keep_{key}"]
            if key == "flt_dates" and bounds and isinstance(value, tuple) and len(value) == 2:
                if value == st.session_state.get("keep_flt_dates_bounds"):
                    # the whole range of the data as it was: an import that adds later
                    # (or earlier) days widens it, rather than leave them out
                    value = st.session_state.keep_flt_dates = bounds
                value = (max(value[0], bounds[0]), min(value[1], bounds[1]))
                st.session_state.keep_flt_dates_bounds = bounds
            elif key in ("flt_channel", "flt_country", "flt_device"):
                allowed = options.get(key.removeprefix("flt_"), [])
                value = [v for v in value if v in allowed]
            st.session_state[key] = value


def _from_query(name: str) -> list[str]:
    return [v for v in st.query_params.get_all(name) if v]


def sidebar_filters(options: dict[str, list[str]], bounds: tuple[date, date] | None) -> tuple[Filters, str]:
    """Draw the global filters in the sidebar and return (filters, period).

    ``options`` maps channel / country / device to the values present in the data.
    Values live in session state and in the URL query string, so a view can be
    bookmarked and shared.
    """
    _restore_filter_state(options, bounds)
    with st.sidebar:
        st.markdown("**Filters**")
        start = end = None
        if bounds:
            picked = st.date_input("Date range", key="flt_dates", min_value=bounds[0],
                                   max_value=bounds[1], format="YYYY-MM-DD",
                                   on_change=_keep, args=("flt_dates",))
            if isinstance(picked, tuple) and len(picked) == 2:
                start, end = picked
                if (start, end) == bounds:
                    start = end = None
        chosen = {}
        for key, label in (("channel", "Channel"), ("country", "Country"), ("device", "Device")):
            values = options.get(key, [])
            if values:
                chosen[key] = st.multiselect(label, values, key=f"flt_{key}", placeholder="All",
                                             on_change=_keep, args=(f"flt_{key}",))
            else:
                chosen[key] = []
        period = st.segmented_control("Period", PERIODS, key="flt_period",
                                      format_func=str.capitalize,
                                      on_change=_keep, args=("flt_period",)) or "month"

    filters = Filters(start=start, end=end, channels=tuple(chosen["channel"]),
                      countries=tuple(chosen["country"]), devices=tuple(chosen["device"]))
    _write_query(filters, period)
    return filters, period


def _write_query(filters: Filters, period: str) -> None:
    wanted: dict[str, str | list[str]] = {"period": period}
    if filters.start and filters.end:
        wanted["start"] = filters.start.isoformat()
        wanted["end"] = filters.end.isoformat()
    for key, values in (("channel", filters.channels), ("country", filters.countries),
                        ("device", filters.devices)):
        if values:
            wanted[key] = list(values)
    current = {k: (st.query_params.get_all(k) if k in ("channel", "country", "device")
                   else st.query_params.get(k)) for k in _FILTER_KEYS if k in st.query_params}
    if current != wanted:
        # only the filter keys: others (a tab bound with bind="query-params") stay in the URL
        for key in current.keys() - wanted.keys():
            del st.query_params[key]
        st.query_params.update(wanted)


# -- the context every page works in ----------------------------------------------------


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the workspace shown, whether it is the demo, the global filters."""

    ws: Workspace
    is_demo: bool
    filters: Filters
    period: str


def page_context() -> PageContext:
    """Draw the sidebar (filters, demo notice) and return what the page works on.

    Every dashboard page calls this first, once per run.
    """
    from dashboard.auth import require_login
    from retention_core.metrics.common import data_bounds, list_filter_options

    # Streamlit runs a requested page's file directly (skipping app.py) until
    # st.navigation has run once in the process, so the login gate must hold here too.
    require_login(sidebar=False)
    ws, is_demo = active_workspace()
    if is_demo:  # first thing in the sidebar, so nobody mistakes it for their shop
        st.sidebar.info("You are looking at **demo data**. Import your own exports on the "
                        "Data page; the first import replaces the demo.", icon=":material/science:")
    if not is_demo:  # the user's (non-empty) workspace: its unfiltered views computed
        # ahead, once per version (after an import, and on the first page a process serves)
        prewarm.start(ws, _cached_call, prewarm.views_file(ws.path))
    options = cached(list_filter_options, ws)
    bounds = cached(data_bounds, ws)
    filters, period = sidebar_filters(options, bounds)
    st.sidebar.caption("Data stays on this machine: no telemetry, no outside calls.")
    return PageContext(ws, is_demo, filters, period)
