"""Unfiltered views computed ahead after an import (dashboard/prewarm.py)."""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from testkit import ROOT

from dashboard import prewarm, state
from retention_core.demo import generate_demo
from retention_core.filters import Filters
from retention_core.workspace import Workspace

OVERVIEW = "pages/1_overview.py"
RETENTION = "pages/2_retention.py"
DATA = "pages/6_data.py"
# the page views; every page (the Data page too) asks for the sidebar's options and bounds
PAGE_VIEWS = {"compute_overview", "compute_retention_tiles", "describe_as_of",
              "compute_cohort_table"}
VIEWS = PAGE_VIEWS | {"list_filter_options", "data_bounds"}


@pytest.fixture
def fresh(monkeypatch):
    """Prewarming on, with no calls kept from other tests."""
    monkeypatch.setenv("RETENTION_PREWARM", "1")
    monkeypatch.setattr(prewarm, "_calls", OrderedDict())
    monkeypatch.setattr(prewarm, "_read", set())
    monkeypatch.setattr(prewarm, "_warmed", {})


def _fn(name: str) -> str:
    return f"retention_core.metrics.retention.{name}"


def test_only_calls_whose_arguments_do_not_depend_on_the_data_are_kept(fresh, tmp_path):
    views = tmp_path / "ws.duckdb.views.json"
    prewarm.record(_fn("a"), (Filters(), "month", 90, 0.5, True, None, ("x", 1)), (), views)
    prewarm.record(_fn("b"), (Filters(channels=("web",)), "month"), (), views)
    prewarm.record(_fn("c"), (Filters(start=date(2026, 1, 1), end=date(2026, 2, 1)),), (), views)
    prewarm.record(_fn("d"), (Filters(),), (("bounds", (date(2026, 1, 1), date(2026, 3, 1))),),
                   views)
    prewarm.record(_fn("e"), (Filters(), datetime(2026, 1, 1)), (), views)
    prewarm.record("retention_core.workspace.reset", (), (), views)  # not a view
    prewarm.record(_fn("f"), (Filters(),), (("period", "week"),), views)
    assert [c[0] for c in prewarm.recorded()] == [_fn("f"), _fn("a")]


def test_most_recently_asked_first_and_at_most_max_calls(fresh, tmp_path, monkeypatch):
    monkeypatch.setattr(prewarm, "MAX_CALLS", 3)
    views = tmp_path / "ws.duckdb.views.json"
    for name in ("a", "b", "c", "a", "d"):
        prewarm.record(_fn(name), (Filters(),), (), views)
    assert [c[0] for c in prewarm.recorded()] == [_fn("d"), _fn("a"), _fn("c")]


def test_views_file_round_trip_and_a_foreign_file_is_ignored(fresh, tmp_path):
    views = tmp_path / "ws.duckdb.views.json"
    calls = [(_fn("a"), (Filters(), "month", 3, 0.25, False, None, ("x", ("y", 2))),
              (("period", "week"),)),
             (_fn("b"), (), ())]
    for call in calls:
        prewarm.record(*call, views)
    assert prewarm._load(views) == calls  # oldest first, types kept (tuples, floats, bools)
    for text in ("not json", json.dumps([{"fn": "os.system", "args": {"tuple": []},
                                          "kwargs": {"tuple": []}}]),
                 json.dumps([{"fn": _fn("a"), "args": {"tuple": [[1, 2]]},
                              "kwargs": {"tuple": []}}])):
        views.write_text(text)
        assert prewarm._load(views) == []
    assert prewarm._load(tmp_path / "missing.json") == []


class _FakeWorkspace:
    def __init__(self, path):
        self.path, self.version = str(path), 1


def test_a_version_is_warmed_once_and_a_newer_version_stops_the_older_warm(fresh, tmp_path):
    views = tmp_path / "ws.duckdb.views.json"
    for name in ("a", "b", "c"):
        prewarm.record(_fn(name), (Filters(),), (), views)
    ws = _FakeWorkspace(tmp_path / "ws.duckdb")
    done = []

    def compute(fn_path, ws_path, version, args, kwargs):
        done.append((fn_path.rsplit(".", 1)[1], version))
        ws.version = 2  # an import commits while the first view is computed

    prewarm.start(ws, compute, views).join(10)
    assert done == [("c", 1)]  # most recent first; the rest left to version 2's warm
    assert prewarm.start(ws, compute, views).join(10) is None
    assert done[1:] == [("c", 2), ("b", 2), ("a", 2)]
    assert prewarm.start(ws, compute, views) is None  # version 2 is warmed already


def test_a_restart_warms_the_views_of_the_file(fresh, tmp_path, monkeypatch):
    views = tmp_path / "ws.duckdb.views.json"
    prewarm.record(_fn("a"), (Filters(), "month"), (), views)
    monkeypatch.setattr(prewarm, "_calls", OrderedDict())  # a new process
    done = []
    prewarm.start(_FakeWorkspace(tmp_path / "ws.duckdb"),
                  lambda *call: done.append(call), views).join(10)
    assert done == [(_fn("a"), str(tmp_path / "ws.duckdb"), 1, (Filters(), "month"), ())]


def _misses(monkeypatch) -> list[tuple[str, str]]:
    """(thread name, function) of every cache miss of a page's cached call."""
    misses: list[tuple[str, str]] = []
    real = state._workspace_by_path

    def by_path(path):  # called by _cached_call's body only, i.e. on a miss
        fn_path = sys._getframe(1).f_locals["fn_path"]
        misses.append((threading.current_thread().name, fn_path.rsplit(".", 1)[1]))
        return real(path)

    monkeypatch.setattr(state, "_workspace_by_path", by_path)
    return misses


def test_after_an_import_the_pages_find_their_unfiltered_views_computed(fresh, tmp_path,
                                                                        monkeypatch):
    path = tmp_path / "shop.duckdb"
    frames = generate_demo(customers=300, seed=3)
    Workspace.from_frames(path=path, **frames).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # the Overview
    at.switch_page(RETENTION).run()  # its Cohorts tab
    assert not at.exception, at.exception
    recorded = {c[0].rsplit(".", 1)[1] for c in prewarm.recorded()}
    assert VIEWS <= recorded, recorded

    # a later import (one order three days after the last), as the Data page makes it; the
    # session's whole date range widens with it (so its views stay unfiltered)
    last = max(frames[kind].get_column(column).max() for kind, column in
               (("orders", "ordered_at"), ("surveys", "responded_at"), ("events", "event_at")))
    new = frames["orders"].head(1).with_columns(
        pl.lit("later-1").alias("order_id"), pl.lit("paid").alias("status"),
        pl.lit(last + timedelta(days=3)).alias("ordered_at"))
    with Workspace(path) as other:
        before = other.version
        other.import_frame("orders", new, file_name="week.csv")
        assert other.version == before + 1
    misses = _misses(monkeypatch)
    at.switch_page(DATA).run()  # the Data page's rerun after the import starts the warm
    version, thread = prewarm._warmed[str(path)]
    assert version == before + 1
    thread.join(60)
    warmed = {fn for name, fn in misses if name == thread.name}
    assert PAGE_VIEWS <= warmed, warmed

    del misses[:]
    at.switch_page(OVERVIEW).run()
    at.switch_page(RETENTION).run()
    assert not at.exception, at.exception
    page_misses = {fn for name, fn in misses if name != thread.name}
    assert not page_misses & VIEWS, page_misses

    # the sidebar's Period set to week: the warm computed those views too
    del misses[:]
    at.session_state["keep_flt_period"] = "week"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.button_group[0].value == "week"
    assert not misses, misses


def test_then_each_call_with_the_other_periods_where_the_page_passed_it(fresh, tmp_path):
    views = tmp_path / "ws.duckdb.views.json"
    ret = "retention_core.metrics.retention"
    # period by position (compute_cohort_table(con, filters, period, unbounded)), by name
    # (compute_retention_tiles(..., period=...)), and none (list_filter_options)
    prewarm.record(f"{ret}.compute_cohort_table", (Filters(), "month", False), (), views)
    prewarm.record("retention_core.metrics.retention_kpis.compute_retention_tiles",
                   (Filters(), 365), (("activity_days", 365), ("period", "month")), views)
    prewarm.record("retention_core.metrics.common.list_filter_options", (), (), views)
    ws = _FakeWorkspace(tmp_path / "ws.duckdb")
    done = []
    prewarm.start(ws, lambda *call: done.append((call[0].rsplit(".", 1)[1], call[3], call[4])),
                  views).join(10)
    assert done == [
        ("list_filter_options", (), ()),
        ("compute_retention_tiles", (Filters(), 365), (("activity_days", 365), ("period", "month"))),
        ("compute_cohort_table", (Filters(), "month", False), ()),
        ("compute_retention_tiles", (Filters(), 365), (("activity_days", 365), ("period", "week"))),
        ("compute_retention_tiles", (Filters(), 365),
         (("activity_days", 365), ("period", "quarter"))),
        ("compute_cohort_table", (Filters(), "week", False), ()),
        ("compute_cohort_table", (Filters(), "quarter", False), ()),
    ]
