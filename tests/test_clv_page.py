"""The Customer value page through Streamlit's AppTest: demo data, a workspace of simulated
orders, the global filters, a workspace the models cannot fit and one without orders."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from test_clv import simulated_orders
from testkit import drawn_tabs, open_tab, tab_calls

from retention_core.filters import Filters
from retention_core.metrics.historic_value import compute_value_overview
from retention_core.workspace import Workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/3_customer_value.py"
HISTORY, SEGMENTS, MODEL = "Historic value", "RFM segments", "Predictive CLV"
# histogram, Lorenz curve, cohort value; segment sizes; holdout by frequency, cumulative
CHARTS = {HISTORY: 3, SEGMENTS: 1, MODEL: 2}
# what each tab computes; only the order date range is needed above the tabs
TAB_FUNCTIONS = {HISTORY: {"compute_value_overview", "compute_value_histogram",
                           "compute_cohort_value", "compute_simple_clv"},
                 SEGMENTS: {"summarise_customers"}, MODEL: {"validate_clv_model"}}


def _open(monkeypatch, path: Path | None = None) -> AppTest:
    if path is not None:
        monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _open_tab(at: AppTest, label: str) -> AppTest:
    return open_tab(at, "clv_tab", label)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _segment_downloads(at: AppTest) -> list[str]:
    labels = [b.proto.label for b in at.get("download_button")]
    return [label for label in labels
            if label.startswith("Download ") and "customers (CSV)" in label]


def test_demo_data(monkeypatch):
    at = _open(monkeypatch)
    tiles = {HISTORY: ("Customers", "Mean historic CLV", "Top 10% of customers", "Simple CLV"),
             SEGMENTS: (),
             MODEL: ("Customers in calibration", "Holdout repeat purchases", "Model prediction",
                     "Error of the total")}
    for label in (HISTORY, SEGMENTS, MODEL):
        _open_tab(at, label)
        assert set(_metrics(at)) >= set(tiles[label]), label
        assert not at.error
        assert len(at.get("plotly_chart")) == CHARTS[label], label
        assert bool(_segment_downloads(at)) == (label == SEGMENTS)


def test_simulated_workspace_filters_and_controls(monkeypatch, tmp_path):
    orders = simulated_orders(customers=1200, seed=9)
    path = tmp_path / "clv_page.duckdb"
    Workspace.from_frames(path=path, orders=orders).close()
    at = _open(monkeypatch, path)
    assert int(_metrics(at)["Customers"]) == orders["customer_id"].n_unique()
    with Workspace.from_frames(orders=orders) as ws:
        expected = compute_value_overview(ws.cursor(), Filters())
    assert float(_metrics(at)["Top 20% of customers"]) == pytest.approx(expected["top_20_share"])
    assert not at.error and not at.warning
    # the global channel filter reaches every number on the page
    at.multiselect(key="flt_channel").set_value(["email"]).run()
    assert not at.exception, at.exception
    email = orders.filter(pl.col("channel") == "email")["customer_id"].n_unique()
    assert int(_metrics(at)["Customers"]) == email
    # model controls
    at.segmented_control(key="clv_time_unit").set_value("month").run()
    at.number_input(key="clv_horizon").set_value(3).run()
    assert not at.exception, at.exception
    _open_tab(at, MODEL)
    assert not at.error and not at.warning
    text = " ".join(m.value for m in at.markdown)
    assert "Predicted CLV over 3 months" in text and "all in months" in text


def test_models_that_cannot_fit_are_explained(monkeypatch, tmp_path):
    rows = [("o1", "a", datetime(2026, 1, 1), 10.0), ("o2", "a", datetime(2026, 2, 1), 12.0),
            ("o3", "=cmd|' /C calc'!A0", datetime(2026, 1, 15), 30.0),
            ("o4", "c", datetime(2026, 3, 20), 8.0)]
    frame = pl.DataFrame(rows, schema={"order_id": pl.String, "customer_id": pl.String,
                                       "ordered_at": pl.Datetime("us"), "revenue": pl.Float64},
                         orient="row")
    path = tmp_path / "tiny.duckdb"
    Workspace.from_frames(path=path, orders=frame).close()
    at = _open(monkeypatch, path)
    assert int(_metrics(at)["Customers"]) == 3
    assert "more than a year of orders" in " ".join(i.value for i in at.info)
    _open_tab(at, SEGMENTS)
    assert any("at least 30 customers" in w.value for w in at.warning)
    _open_tab(at, MODEL)
    assert any("at least 30 customers" in e.value for e in at.error)


def test_workspace_without_orders(monkeypatch, tmp_path):
    surveys = pl.DataFrame({"response_id": ["r1", "r2"],
                            "responded_at": [datetime(2026, 1, 1), datetime(2026, 1, 2)],
                            "survey": ["nps", "nps"], "score": [9, 3]})
    path = tmp_path / "surveys_only.duckdb"
    Workspace.from_frames(path=path, surveys=surveys).close()
    at = _open(monkeypatch, path)
    assert any("No orders with a customer" in i.value for i in at.info)
    assert not at.metric


def test_only_the_open_tab_is_computed(monkeypatch, tmp_path, calls):
    path = tmp_path / "lazy.duckdb"
    Workspace.from_frames(path=path, orders=simulated_orders(customers=300, seed=3)).close()
    at = _open(monkeypatch, path)
    assert drawn_tabs(at) == [HISTORY]
    assert "order_date_bounds" in calls
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[HISTORY]
    assert not _segment_downloads(at)
    for label in (SEGMENTS, MODEL, HISTORY):
        calls.clear()
        _open_tab(at, label)
        assert drawn_tabs(at) == [label]
        assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[label], label
        assert len(at.get("plotly_chart")) == CHARTS[label], label
    # a model setting changed on the model tab fits the model again, and nothing else
    _open_tab(at, MODEL)
    calls.clear()
    at.number_input(key="clv_horizon").set_value(6).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [MODEL]
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[MODEL]
    assert "Predicted CLV over 6 months" in " ".join(m.value for m in at.markdown)


def test_a_link_opens_its_tab(monkeypatch, tmp_path):
    path = tmp_path / "link.duckdb"
    Workspace.from_frames(path=path, orders=simulated_orders(customers=300, seed=3)).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.query_params["clv_tab"] = SEGMENTS  # /customer_value?clv_tab=RFM+segments
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [SEGMENTS]
    assert _segment_downloads(at)


@pytest.mark.parametrize("where", ["session_state", "query_params"])
def test_an_unknown_tab_opens_the_first(monkeypatch, tmp_path, where):
    path = tmp_path / "unknown.duckdb"
    Workspace.from_frames(path=path, orders=simulated_orders(customers=300, seed=3)).close()
    at = _open(monkeypatch, path)
    if where == "session_state":
        _open_tab(at, SEGMENTS)
        at.session_state["clv_tab"] = "RFM"
    else:  # an old or mistyped link
        at = AppTest.from_file(APP, default_timeout=180).run()
        at.query_params["clv_tab"] = "RFM"
        at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [HISTORY]
    assert at.session_state["clv_tab"] == HISTORY
    assert len(at.get("plotly_chart")) == CHARTS[HISTORY]
