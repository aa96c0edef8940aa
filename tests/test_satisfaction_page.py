"""The satisfaction page through Streamlit's AppTest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest
from testkit import drawn_tabs, open_tab, tab_calls

from retention_core.demo import generate_demo
from retention_core.filters import Filters
from retention_core.metrics.satisfaction import compute_score_summary
from retention_core.workspace import Workspace

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/4_satisfaction.py"
T0 = datetime(2026, 3, 2, 12)
TREND, SCORES, SEGMENTS, AFTER, COMMENTS = ("Trend", "Distribution", "Segments",
                                            "After the answer", "Comments")
TABS = (TREND, SCORES, SEGMENTS, AFTER, COMMENTS)
# what each tab computes; the score tiles above the tabs need the overview on every tab
TAB_FUNCTIONS = {TREND: {"compute_score_trend"}, SCORES: {"compute_score_distribution"},
                 SEGMENTS: {"compute_segment_scores"},
                 AFTER: {"compute_outcomes_after_answer"},
                 COMMENTS: {"compute_top_words", "list_comments"}}


def _open(monkeypatch, path: Path | None = None) -> AppTest:
    if path is not None:
        monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _open_tab(at: AppTest, label: str) -> AppTest:
    return open_tab(at, "sat_tab", label)


def _charts_per_tab(at: AppTest) -> dict[str, int]:
    """Open every tab in turn and count its charts."""
    counts = {}
    for label in TABS:
        _open_tab(at, label)
        counts[label] = len(at.get("plotly_chart"))
    return counts


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def _nps_only(n_days: int = 20) -> pl.DataFrame:
    # 6 promoters, 2 passives, 2 detractors: NPS = 100 x (6 - 2) / 10 = 40
    scores = [10, 10, 9, 9, 9, 9, 8, 7, 3, 6]
    comments = ["Fast delivery", "fast and friendly", None, None, None, None, "ok", None,
                "Slow delivery, broken box", "slow"]
    return pl.DataFrame({
        "response_id": [f"r{i}" for i in range(10)],
        "responded_at": [T0 + timedelta(days=i * n_days // 10) for i in range(10)],
        "survey": ["nps"] * 10,
        "score": scores,
        "channel": ["email"] * 5 + ["social"] * 5,
        "comment": comments,
    })


def test_demo_data_shows_both_scores_charts_and_downloads(monkeypatch):
    at = _open(monkeypatch)
    demo = Workspace.from_frames(**generate_demo(customers=3000, seed=7))
    tiles = {m.label: float(m.value) for m in at.metric}
    for survey, label in (("nps", "NPS"), ("csat", "CSAT")):
        expected = compute_score_summary(demo.cursor(), Filters(), survey)
        assert tiles[label] == pytest.approx(expected["score"])
        assert f"{expected['answers']:,} answers" in _texts(at.caption)
    # trend, distribution, 4 segment charts (channel, touchpoint, country, device),
    # outcomes after the answer, top words
    assert _charts_per_tab(at) == {TREND: 1, SCORES: 1, SEGMENTS: 4, AFTER: 1, COMMENTS: 1}
    # on the Comments tab, opened last: the overview, the top words and the comments as CSV
    assert len(at.get("download_button")) == 3
    assert at.segmented_control(key="sat_survey").value == "nps"
    at.segmented_control(key="sat_survey").set_value("csat").run()
    assert not at.exception
    assert drawn_tabs(at) == [COMMENTS]
    assert "These CSAT answers have no comments." in _texts(at.info)


def test_a_workspace_with_only_nps(monkeypatch, tmp_path):
    path = tmp_path / "nps_only.duckdb"
    Workspace.from_frames(path=path, surveys=_nps_only()).close()
    at = _open(monkeypatch, path)
    tiles = {m.label: m.value for m in at.metric}
    assert float(tiles["NPS"]) == 40.0
    assert tiles["CSAT"] == "—"
    assert "10 answers" in _texts(at.caption)
    assert "fewer than the minimum answers" in _texts(at.caption)  # 10 < 30
    assert not at.get("segmented_control") or all(
        s.key != "sat_survey" for s in at.get("segmented_control"))
    assert "NPS** answers only" in _texts(at.markdown)
    # trend, distribution, channel, top words; nothing to follow after the answer
    assert _charts_per_tab(at) == {TREND: 1, SCORES: 1, SEGMENTS: 1, AFTER: 0, COMMENTS: 1}
    _open_tab(at, AFTER)
    assert "carry no customer_id" in _texts(at.info)

    _open_tab(at, COMMENTS)
    comments = at.dataframe[-1].value
    assert comments.shape[0] == 5
    at.text_input(key="sat_search").input("DELIVERY").run()
    assert sorted(at.dataframe[-1].value["response_id"]) == ["r0", "r8"]
    at.multiselect(key="sat_groups_nps").set_value(["detractor"]).run()
    assert list(at.dataframe[-1].value["response_id"]) == ["r8"]


def test_minimum_answers_option_changes_the_small_flag(monkeypatch, tmp_path):
    path = tmp_path / "min.duckdb"
    Workspace.from_frames(path=path, surveys=_nps_only()).close()
    at = _open(monkeypatch, path)
    at.number_input(key="sat_min").set_value(10).run()
    assert not at.exception
    assert "fewer than the minimum answers" not in _texts(at.caption)


def test_answers_without_dates_have_no_trend(monkeypatch, tmp_path):
    path = tmp_path / "undated.duckdb"
    frame = _nps_only().with_columns(pl.lit(None, dtype=pl.Datetime).alias("responded_at"))
    Workspace.from_frames(path=path, surveys=frame).close()
    at = _open(monkeypatch, path)
    assert float(at.metric[0].value) == 40.0
    assert "have no dates" in _texts(at.info)
    # distribution, channel, top words; no trend, and no customer to follow
    assert _charts_per_tab(at) == {TREND: 0, SCORES: 1, SEGMENTS: 1, AFTER: 0, COMMENTS: 1}


def test_no_survey_answers_shows_the_empty_state(monkeypatch, tmp_path):
    path = tmp_path / "orders_only.duckdb"
    orders = pl.DataFrame({"order_id": ["1"], "customer_id": ["a"], "ordered_at": [T0],
                           "revenue": [10.0]})
    Workspace.from_frames(path=path, orders=orders).close()
    at = _open(monkeypatch, path)
    assert "There are no survey answers yet" in _texts(at.info)
    assert not at.metric
    assert not at.get("plotly_chart")


def test_filters_that_exclude_every_answer(monkeypatch, tmp_path):
    path = tmp_path / "filtered.duckdb"
    orders = pl.DataFrame({"order_id": ["1"], "customer_id": ["a"], "ordered_at": [T0],
                           "revenue": [10.0], "channel": ["web"]})
    Workspace.from_frames(path=path, orders=orders, surveys=_nps_only()).close()
    at = _open(monkeypatch, path)
    assert float(at.metric[0].value) == 40.0
    at.multiselect(key="flt_channel").set_value(["web"]).run()
    assert not at.exception
    assert "No NPS or CSAT answers match the filters" in _texts(at.info)
    at.multiselect(key="flt_channel").set_value(["social"]).run()
    # social: 1 promoter (9), 2 passives, 2 detractors -> 100 x (1 - 2) / 5 = -20
    assert float(at.metric[0].value) == -20.0


def _linked(path: Path) -> Path:
    """A workspace where two customers who answered (c0, c8) have orders."""
    answers = _nps_only().with_columns(pl.format("c{}", pl.int_range(10)).alias("customer_id"))
    orders = pl.DataFrame({
        "order_id": ["o1", "o2", "o3"],
        "customer_id": ["c0", "c0", "c8"],
        "ordered_at": [T0 - timedelta(days=1), T0 + timedelta(days=30),
                       T0 + timedelta(days=40)],
        "revenue": [10.0, 25.0, 5.0],
    })
    Workspace.from_frames(path=path, orders=orders, surveys=answers).close()
    return path


def test_buying_after_the_answer_when_customers_are_linked(monkeypatch, tmp_path):
    at = _open_tab(_open(monkeypatch, _linked(tmp_path / "linked.duckdb")), AFTER)
    outcomes = at.dataframe[0].value
    assert list(outcomes["answer_group"]) == ["promoter", "passive", "detractor"]
    assert list(outcomes["linked"]) == [1, 0, 1]
    # c0 answered on day 0 and bought on day 30 (25.0); c8 answered on day 16 and bought
    # on day 40 (5.0), the last order in the data. Nobody else is in the orders.
    assert list(outcomes["customers"]) == [1, 0, 1]
    assert list(outcomes["repurchasers"]) == [1, 0, 1]
    assert list(outcomes["revenue_per_customer"])[::2] == [25.0, 5.0]
    # a 30-day window: c0 is followed to day 30 (order counted), c8 only to day 46 > 40
    at.number_input(key="sat_window").set_value(30).run()
    outcomes = at.dataframe[0].value
    assert list(outcomes["customers"]) == [1, 0, 0]
    assert list(outcomes["orders_after"]) == [1, 0, 0]


def test_only_the_open_tab_is_computed(monkeypatch, tmp_path, calls):
    at = _open(monkeypatch, _linked(tmp_path / "lazy.duckdb"))
    assert drawn_tabs(at) == [TREND]
    assert "compute_score_overview" in calls
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[TREND]
    for label in (*TABS[1:], TREND):
        calls.clear()
        _open_tab(at, label)
        assert drawn_tabs(at) == [label]
        assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[label], label
    # the comment search exists only while its tab is open
    assert not [t for t in at.text_input if t.key == "sat_search"]
    _open_tab(at, COMMENTS)
    calls.clear()
    at.text_input(key="sat_search").input("slow").run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [COMMENTS]
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[COMMENTS]
    assert sorted(at.dataframe[-1].value["response_id"]) == ["r8", "r9"]
    # a filter changed on a tab computes the tiles and that tab again, not the others
    calls.clear()
    at.multiselect(key="flt_channel").set_value(["social"]).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [COMMENTS]
    assert tab_calls(calls, TAB_FUNCTIONS) == TAB_FUNCTIONS[COMMENTS]
    assert "compute_score_overview" in calls


def test_a_link_opens_its_tab(monkeypatch, tmp_path):
    path = tmp_path / "link.duckdb"
    Workspace.from_frames(path=path, surveys=_nps_only()).close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.query_params["sat_tab"] = AFTER  # /satisfaction?sat_tab=After+the+answer
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [AFTER]
    assert "carry no customer_id" in _texts(at.info)


@pytest.mark.parametrize("where", ["session_state", "query_params"])
def test_an_unknown_tab_opens_the_first(monkeypatch, tmp_path, where):
    path = tmp_path / "unknown.duckdb"
    Workspace.from_frames(path=path, surveys=_nps_only()).close()
    at = _open(monkeypatch, path)
    if where == "session_state":
        _open_tab(at, COMMENTS)
        at.session_state["sat_tab"] = "comments"
    else:  # an old or mistyped link
        at = AppTest.from_file(APP, default_timeout=120).run()
        at.query_params["sat_tab"] = "comments"
        at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert drawn_tabs(at) == [TREND]
    assert at.session_state["sat_tab"] == TREND
    assert len(at.get("plotly_chart")) == 1
