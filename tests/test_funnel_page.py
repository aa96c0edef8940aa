"""The cart funnel page through AppTest, and its figures asserted on fig.data."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from retention_core.charts import funnel as charts
from retention_core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/5_cart_funnel.py"
T0 = datetime(2026, 3, 2, 10)


def _events() -> pl.DataFrame:
    """10 mobile sessions: all view, 8 add to cart (value 25), 4 check out, 2 buy;
    6 desktop sessions: all view and add to cart (value 40), 4 buy (no checkout step
    skipped: they check out first). Customer m0 comes back two days later and buys."""
    rows = []

    def add(session, stage, minutes, device, customer=None, value=None):
        rows.append({"session_id": session, "customer_id": customer, "stage": stage,
                     "raw_event": stage, "event_at": T0 + timedelta(minutes=minutes),
                     "device": device, "source": "ads", "value": value})

    for i in range(10):
        s = f"m{i}"
        add(s, "view", 0, "mobile", s)
        if i < 8:
            add(s, "add_to_cart", 5, "mobile", s, 25.0)
        if i < 4:
            add(s, "checkout", 10, "mobile", s, 25.0)
        if i < 2:
            add(s, "purchase", 15, "mobile", s)
    for i in range(6):
        s = f"d{i}"
        add(s, "view", 0, "desktop", s)
        add(s, "add_to_cart", 5, "desktop", s, 40.0)
        if i < 4:
            add(s, "checkout", 10, "desktop", s, 40.0)
            add(s, "purchase", 75, "desktop", s)
    add("m9-later", "purchase", 2 * 24 * 60, "desktop", "m2")  # recovers m2's cart
    return pl.DataFrame(rows)


def _app(tmp_path, monkeypatch, name: str, **frames) -> AppTest:
    path = tmp_path / f"{name}.duckdb"
    Workspace.from_frames(path=path, **frames).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def _metric(at: AppTest, label: str) -> float:
    """A tile's raw value (the browser formats it with the tile's format)."""
    return float(next(m.value for m in at.metric if m.label == label))


def _format(at: AppTest, label: str) -> str:
    return next(m.proto.format for m in at.metric if m.label == label)


def test_page_shows_the_funnel_of_an_imported_log(tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch, "funnel_page", events=_events())
    # 17 sessions; the later purchase session has no view -> 16 at step 1
    assert _metric(at, "Sessions") == 16
    # carts 14 (8 mobile + 6 desktop), purchases 6 (2 + 4): 1 - 6/14
    assert _metric(at, "Cart abandonment") == pytest.approx(1 - 6 / 14)
    assert _format(at, "Cart abandonment") == "percent"
    # abandoned: 6 mobile carts at 25, 2 desktop at 40 = 230; m2 (25) recovered
    assert _metric(at, "Abandoned value") == pytest.approx(230)
    assert _metric(at, "Value recovered") == pytest.approx(25 / 230)
    figures = at.get("plotly_chart")
    assert len(figures) == 5
    table = at.dataframe[0].value
    assert list(table["units"]) == [16, 14, 8, 6]
    labels = [b.label for b in at.get("download_button")]
    assert {"Data as CSV", "Drop-off table as CSV", "Abandonment table as CSV",
            "Abandoned carts as CSV"} <= set(labels)
    assert labels.count("Data as CSV") == 5
    by_device = at.dataframe[1].value
    rates = dict(zip(by_device["group"], by_device["cart_abandonment_rate"], strict=True))
    assert rates["mobile"] == pytest.approx(1 - 2 / 8)
    assert rates["desktop"] == pytest.approx(1 - 4 / 6)


def test_unit_and_window_inputs_change_the_numbers(tmp_path, monkeypatch):
    at = _app(tmp_path, monkeypatch, "funnel_inputs", events=_events())
    at.radio(key="funnel_unit").set_value("customer").run()
    assert not at.exception
    # customer m2 now reaches purchase through its later session: 7 of 14 carts bought
    assert _metric(at, "Customers") == 16
    assert _metric(at, "Cart abandonment") == pytest.approx(0.5)
    at.radio(key="funnel_unit").set_value("session").run()
    # a recovery window of 1 day misses m2's purchase two days later
    at.number_input(key="funnel_recovery").set_value(1).run()
    assert _metric(at, "Value recovered") == 0


def test_page_on_demo_data(monkeypatch, tmp_path):
    monkeypatch.setenv("RETENTION_WORKSPACE", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 5
    assert 0.3 < _metric(at, "Cart abandonment") < 0.8


def test_empty_state_without_events(tmp_path, monkeypatch):
    orders = pl.DataFrame({"order_id": ["o1"], "customer_id": ["c1"],
                           "ordered_at": [datetime(2026, 1, 5)], "revenue": [10.0]})
    at = _app(tmp_path, monkeypatch, "no_events", orders=orders)
    assert any("No funnel events yet" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_checkouts_only_log_labels_checkout_abandonment(tmp_path, monkeypatch):
    events = pl.DataFrame({
        "session_id": ["k1", "k1", "k2"], "customer_id": ["a", "a", "b"],
        "event_at": [T0, T0 + timedelta(hours=1), T0],
        "stage": ["checkout", "purchase", "checkout"],
        "raw_event": ["checkout_started", "checkout_completed", "checkout_started"],
        "value": [30.0, None, 20.0]})
    at = _app(tmp_path, monkeypatch, "checkouts", events=events)
    assert _metric(at, "Checkout abandonment") == pytest.approx(0.5)
    assert any("no view, add-to-cart events" in c.value for c in at.caption)


# -- figures ------------------------------------------------------------------------------


def test_plot_funnel_draws_units_and_conversions():
    steps = pl.DataFrame({"step": [1, 2, 3], "stage": ["view", "add_to_cart", "purchase"],
                          "units": [200, 50, 10], "conversion_from_first": [1.0, 0.25, 0.05],
                          "conversion_from_previous": [None, 0.25, 0.2],
                          "drop_off": [None, 150, 40], "drop_off_rate": [None, 0.75, 0.8]})
    fig = charts.plot_funnel(steps)
    (trace,) = fig.data
    assert trace.type == "funnel"
    assert list(trace.y) == ["View", "Add to cart", "Purchase"]
    assert list(trace.x) == [200, 50, 10]
    assert list(trace.text) == ["200 (100.0%)", "50 (25.0%)", "10 (5.0%)"]
    assert trace.customdata[2] == "5.0% of the first step<br>20.0% of the previous step, 40 lost"
    assert trace.customdata[0] == "100.0% of the first step"


def test_plot_abandonment_trend_marks_partial_weeks():
    trend = pl.DataFrame({"week": [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)],
                          "units": [10, 10, 3], "carts": [8, 0, 2], "purchases": [4, 0, 0],
                          "cart_abandonment_rate": [0.5, None, 1.0],
                          "is_partial": [False, False, True]})
    fig = charts.plot_abandonment_trend(trend)
    (trace,) = fig.data
    assert list(trace.y) == [0.5, 1.0]  # the week without carts has no rate to draw
    assert list(trace.marker.symbol) == ["circle", "circle-open"]
    assert fig.layout.yaxis.tickformat == ".0%"


def test_plot_funnel_breakdown_has_a_trace_per_group():
    by = pl.DataFrame({"group": ["mobile"] * 2 + ["desktop"] * 2,
                       "stage": ["view", "purchase"] * 2, "units": [10, 2, 5, 3],
                       "conversion_from_first": [1.0, 0.2, 1.0, 0.6]})
    fig = charts.plot_funnel_breakdown(by, "device")
    assert [t.name for t in fig.data] == ["mobile", "desktop"]
    assert list(fig.data[1].y) == [1.0, 0.6]
    assert fig.layout.barmode == "group"


def test_plot_time_to_purchase_and_empty_figures():
    buckets = pl.DataFrame({"bucket": ["< 5 min", "5-15 min"], "lower_seconds": [0.0, 300.0],
                            "upper_seconds": [300.0, 900.0], "units": [3, 1],
                            "share": [0.75, 0.25]})
    (bar,) = charts.plot_time_to_purchase(buckets).data
    assert list(bar.x) == ["< 5 min", "5-15 min"] and list(bar.y) == [3, 1]
    empty = charts.plot_time_to_purchase(buckets.clear())
    assert not empty.data and empty.layout.annotations[0].text == "No purchases in the funnel"
    assert not charts.plot_funnel(pl.DataFrame()).data
