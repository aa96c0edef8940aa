"""The Retention page through Streamlit's AppTest: tiles, charts, controls, filters, empty states."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from test_retention import ORDERS
from testkit import ROOT

from retention_core.workspace import Workspace

PAGE = "pages/2_retention.py"
CHARTS = 7  # heatmap, curves, segment ranking, segment curves, revenue, CRR, gaps


def _open(tmp_path, monkeypatch, name="ws", **frames) -> AppTest:
    path = tmp_path / f"{name}.duckdb"
    if frames:
        Workspace.from_frames(path=path, **frames).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_tiles_and_charts_on_the_tiny_shop(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    tiles = _metrics(at)
    # hand-worked in test_retention.py: repeat purchase rate 3/4; with the default 365-day
    # window March's CRR = (E 4 - N 1) / S 3 = 1; median days to 2nd order of 0, 22, 78;
    # nobody's last order is 365+ days before April 8
    assert float(tiles["Repeat purchase rate"]) == 0.75
    assert float(tiles["CRR, 2026-03"]) == 1.0
    assert float(tiles["Median days to 2nd order"]) == 22.0
    assert float(tiles["Churned customers"]) == 0.0
    assert len(at.get("plotly_chart")) == CHARTS
    assert any("As of 2026-04-08; the month starting 2026-04-01 is still in progress" in c.value
               for c in at.caption)
    # every chart comes with its data as CSV (+ the KPI tiles)
    assert len(at.get("download_button")) >= CHARTS + 1


def test_controls_change_the_view(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    heatmap = _figures(at)[0]
    assert "bounded" in heatmap["layout"]["title"]["text"]
    at.toggle(key="ret_unbounded").set_value(True).run()
    assert not at.exception
    assert "(unbounded)" in _figures(at)[0]["layout"]["title"]["text"]
    at.segmented_control(key="ret_period_month").set_value("week").run()
    assert not at.exception
    assert "weekly" in _figures(at)[0]["layout"]["title"]["text"]
    assert len(at.get("plotly_chart")) == CHARTS
    at.selectbox(key="ret_dimension").set_value("delivered_late").run()
    at.number_input(key="ret_activity").set_value(30).run()
    assert not at.exception


def test_channel_filter_changes_the_numbers(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    assert float(_metrics(at)["Repeat purchase rate"]) == 0.75
    at.sidebar.multiselect(key="flt_channel").set_value(["web"]).run()
    assert not at.exception
    # web orders only: repeaters a and c of a, b, c -> 2/3 (test_retention.py)
    assert float(_metrics(at)["Repeat purchase rate"]) == pytest.approx(2 / 3)


def test_demo_data(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, name="empty")  # an empty workspace shows the demo
    assert len(at.get("plotly_chart")) == CHARTS
    sentences = [m.value for m in at.markdown if "keep best" in m.value]
    assert sentences and "first-order channel" in sentences[0]
    heatmap = _figures(at)[0]
    # the month in progress is its own grey trace, not part of the colour scale
    assert [t["name"] for t in heatmap["data"]] == ["Cohort size", "Retention", "In progress"]
    at.toggle(key="ret_unbounded").set_value(True).run()
    at.segmented_control(key="ret_period_month").set_value("quarter").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == CHARTS


def test_empty_state_without_orders(tmp_path, monkeypatch):
    surveys = pl.DataFrame({"response_id": ["r1"], "survey": ["nps"], "score": [9],
                            "responded_at": [datetime(2026, 1, 1)]})
    at = _open(tmp_path, monkeypatch, surveys=surveys)
    assert any("no orders yet" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 0


def test_empty_state_when_every_order_is_cancelled(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, orders=ORDERS.with_columns(pl.lit("cancelled").alias("status")))
    assert any("No orders match the filters" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 0


def test_guest_orders_only(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch,
               orders=ORDERS.with_columns(pl.lit(None, dtype=pl.String).alias("customer_id")))
    assert any("no customer_id" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 0
