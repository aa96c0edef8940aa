"""The Retention page through Streamlit's AppTest: tiles, charts, controls, filters, empty states."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from test_retention import ORDERS
from testkit import ROOT, drawn_tabs, open_tab, tab_calls

from retention_core.metrics import segments as seg
from retention_core.workspace import Workspace

PAGE = "pages/2_retention.py"
COHORTS, SEGMENTS, REPEAT = "Cohorts", "Segments that keep customers", "Repeat buying"
# charts each tab draws: heatmap and curves; segment ranking and curves; revenue, CRR, gaps
CHARTS = {COHORTS: 2, SEGMENTS: 2, REPEAT: 3}
# what each tab computes; the tiles above the tabs need the order KPIs, churn and the last
# complete period's CRR (one call) and the "as of" date whichever tab is open; the CRR
# series, the returning share and the time between orders (one call) are the Repeat
# buying tab's charts
TAB_FUNCTIONS = {COHORTS: {"compute_cohort_table"}, SEGMENTS: {"compare_segments"},
                 REPEAT: {"compute_repeat_buying"}}
SHARED = {"compute_retention_tiles", "describe_as_of"}


def _open(tmp_path, monkeypatch, name="ws", **frames) -> AppTest:
    path = tmp_path / f"{name}.duckdb"
    if frames:
        Workspace.from_frames(path=path, **frames).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _open_tab(at: AppTest, label: str) -> AppTest:
    return open_tab(at, "ret_tab", label)


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
    assert any("As of 2026-04-08; the month starting 2026-04-01 is still in progress" in c.value
               for c in at.caption)
    for label in (COHORTS, SEGMENTS, REPEAT):
        _open_tab(at, label)
        assert len(at.get("plotly_chart")) == CHARTS[label], label
        # every chart comes with its data as CSV (+ the KPI tiles)
        assert len(at.get("download_button")) == CHARTS[label] + 1, label
        assert float(_metrics(at)["Repeat purchase rate"]) == 0.75  # tiles on every tab


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
    assert len(at.get("plotly_chart")) == CHARTS[COHORTS]
    _open_tab(at, SEGMENTS)
    at.selectbox(key="ret_dimension").set_value("delivered_late").run()
    at.number_input(key="ret_activity").set_value(30).run()
    assert not at.exception
    assert at.selectbox(key="ret_dimension").value == "delivered_late"
    assert len(at.get("plotly_chart")) == CHARTS[SEGMENTS]


def test_channel_filter_changes_the_numbers(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    assert float(_metrics(at)["Repeat purchase rate"]) == 0.75
    at.sidebar.multiselect(key="flt_channel").set_value(["web"]).run()
    assert not at.exception
    # web orders only: repeaters a and c of a, b, c -> 2/3 (test_retention.py)
    assert float(_metrics(at)["Repeat purchase rate"]) == pytest.approx(2 / 3)


def test_demo_data(tmp_path, monkeypatch):
    at = _open(tmp_path, monkeypatch, name="empty")  # an empty workspace shows the demo
    assert len(at.get("plotly_chart")) == CHARTS[COHORTS]
    heatmap = _figures(at)[0]
    # the month in progress is its own grey trace, not part of the colour scale
    assert [t["name"] for t in heatmap["data"]] == ["Cohort size", "Retention", "In progress"]
    _open_tab(at, SEGMENTS)
    sentences = [m.value for m in at.markdown if "keep best" in m.value]
    assert sentences and "first-order channel" in sentences[0]
    at.toggle(key="ret_unbounded").set_value(True).run()
    at.segmented_control(key="ret_period_month").set_value("quarter").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == CHARTS[SEGMENTS]
    _open_tab(at, REPEAT)
    assert len(at.get("plotly_chart")) == CHARTS[REPEAT]


def test_only_the_open_tab_is_computed(tmp_path, monkeypatch, calls):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    assert drawn_tabs(at) == [COHORTS]
    assert SHARED <= set(calls)
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[COHORTS]
    for label in (SEGMENTS, REPEAT, COHORTS):
        calls.clear()
        _open_tab(at, label)
        assert drawn_tabs(at) == [label]
        assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[label], label
        assert len(at.get("plotly_chart")) == CHARTS[label], label
    # the segment picker exists only while its tab is open
    assert not [s for s in at.selectbox if s.key == "ret_dimension"]
    _open_tab(at, SEGMENTS)
    assert [s.key for s in at.selectbox] == ["ret_dimension"]
    # a filter changed on a tab computes that tab again, not the others
    calls.clear()
    at.sidebar.multiselect(key="flt_channel").set_value(["web"]).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [SEGMENTS]
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[SEGMENTS]
    assert SHARED <= set(calls)


def test_tab_widgets_keep_their_values_while_another_tab_is_open(tmp_path, monkeypatch):
    at = _open_tab(_open(tmp_path, monkeypatch, orders=ORDERS), SEGMENTS)
    at.selectbox(key="ret_dimension").set_value("delivered_late").run()
    at.number_input(key="ret_compare_at").set_value(2).run()
    _open_tab(at, COHORTS)  # the segment widgets are not drawn in this run
    assert not at.get("selectbox")
    _open_tab(at, SEGMENTS)
    assert at.selectbox(key="ret_dimension").value == "delivered_late"
    assert at.number_input(key="ret_compare_at").value == 2
    assert at.number_input(key="ret_min_customers").value == seg.DEFAULT_MIN_CUSTOMERS

def test_a_link_opens_its_tab(tmp_path, monkeypatch):
    path = tmp_path / "ws.duckdb"
    Workspace.from_frames(path=path, orders=ORDERS).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.query_params["ret_tab"] = REPEAT  # /retention?ret_tab=Repeat+buying
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [REPEAT]
    assert at.session_state["ret_tab"] == REPEAT


@pytest.mark.parametrize("where", ["session_state", "query_params"])
def test_an_unknown_tab_opens_the_first(tmp_path, monkeypatch, where):
    at = _open(tmp_path, monkeypatch, orders=ORDERS)
    _open_tab(at, REPEAT)
    if where == "session_state":
        at.session_state["ret_tab"] = "Cohort"
    else:  # an old or mistyped link
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.query_params["ret_tab"] = "Cohort"
        at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [COHORTS]
    assert at.session_state["ret_tab"] == COHORTS
    assert len(at.get("plotly_chart")) == CHARTS[COHORTS]


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


def test_crr_tile_is_the_same_whichever_tab_computes_it(tmp_path, monkeypatch):
    """Off the Repeat buying tab the CRR tile comes from the tiles' aggregate; on it, from
    the series that tab draws (the tiles then skip their CRR part). The tile is the same."""
    from dashboard import state

    asked = []
    real = state.cached

    def record(fn, ws, *args, **kwargs):
        asked.append((fn.__name__, kwargs.get("activity_days")))
        return real(fn, ws, *args, **kwargs)

    monkeypatch.setattr(state, "cached", record)
    at = _open(tmp_path, monkeypatch, orders=ORDERS)

    def crr_tile():
        tile = next(m for m in at.metric if m.label.startswith("CRR"))
        return tile.label, tile.value

    on_cohorts = crr_tile()
    assert ("compute_retention_tiles", 365) in asked
    _open_tab(at, REPEAT)
    asked.clear()
    at.sidebar.multiselect(key="flt_channel").set_value(["web"]).run()  # a click there
    at.sidebar.multiselect(key="flt_channel").set_value([]).run()
    assert ("compute_retention_tiles", None) in asked
    assert ("compute_retention_tiles", 365) not in asked
    assert crr_tile() == on_cohorts
