"""Global sidebar filters: shared by every page, kept in session state and in the URL."""

from __future__ import annotations

from datetime import date

import polars as pl
from streamlit.testing.v1 import AppTest
from testkit import ROOT

from retention_core.filters import Filters


def _app(monkeypatch, tmp_path) -> AppTest:
    monkeypatch.setenv("RETENTION_WORKSPACE", str(tmp_path / "ws.duckdb"))  # empty: demo data
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _sidebar(at: AppTest, label: str):
    return next(m for m in at.sidebar.multiselect if m.label == label)


def test_a_bookmarked_url_restores_the_view(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    at.query_params["channel"] = ["email", "not-a-channel"]
    at.query_params["device"] = "mobile"
    at.query_params["period"] = "week"
    at.query_params["start"] = "2026-01-01"
    at.query_params["end"] = "2026-03-31"
    at.run()
    assert not at.exception
    assert _sidebar(at, "Channel").value == ["email"]  # unknown values are dropped
    assert _sidebar(at, "Device").value == ["mobile"]
    assert at.sidebar.button_group[0].value == "week"
    assert at.sidebar.date_input[0].value == (date(2026, 1, 1), date(2026, 3, 31))


def test_filters_follow_the_user_across_pages_and_into_the_url(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path).run()
    at.switch_page("pages/2_retention.py").run()
    _sidebar(at, "Country").select("PL").run()
    assert not at.exception
    assert at.query_params["country"] in ("PL", ["PL"])  # one value or a list of one
    at.switch_page("pages/4_satisfaction.py").run()
    assert not at.exception
    assert _sidebar(at, "Country").value == ["PL"]
    _sidebar(at, "Country").unselect("PL").run()
    assert "country" not in at.query_params



def test_a_filter_change_keeps_the_open_tab_in_the_url(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path)
    at.query_params["ret_tab"] = "Repeat buying"  # a link to the Retention page's third tab
    at.run()
    at.switch_page("pages/2_retention.py").run()
    assert at.session_state["ret_tab"] == "Repeat buying"
    _sidebar(at, "Country").select("PL").run()
    assert not at.exception
    assert at.query_params["country"] in ("PL", ["PL"])
    assert at.query_params["ret_tab"] in ("Repeat buying", ["Repeat buying"])
    _sidebar(at, "Country").unselect("PL").run()
    assert "country" not in at.query_params
    assert at.query_params["ret_tab"] in ("Repeat buying", ["Repeat buying"])

def test_filters_describe_themselves():
    assert Filters().describe() == "all data"
    text = Filters(start=date(2026, 1, 1), end=date(2026, 1, 31), channels=("ads",)).describe()
    assert text == "2026-01-01 to 2026-01-31; channel: ads"


def _orders(days: list[str], prefix: str = "o") -> pl.DataFrame:
    from retention_core.schema import ORDERS_COLUMNS

    frame = pl.DataFrame({
        "order_id": [f"{prefix}{i}" for i in range(len(days))],
        "customer_id": [f"c{i % 3}" for i in range(len(days))],
        "ordered_at": [date.fromisoformat(d) for d in days],
        "revenue": [10.0] * len(days),
    }).with_columns(pl.col("ordered_at").cast(pl.Datetime("us")))
    return frame.select([c for c in ORDERS_COLUMNS if c in frame.columns])


def test_the_whole_date_range_follows_an_import_and_a_chosen_range_stays(monkeypatch, tmp_path):
    from retention_core.workspace import Workspace

    path = tmp_path / "shop.duckdb"
    Workspace.from_frames(path=path, orders=_orders(["2026-01-05", "2026-02-10", "2026-03-02"]))\
        .close()
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    whole = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    chosen = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    chosen.sidebar.date_input[0].set_value((date(2026, 2, 1), date(2026, 3, 2))).run()
    assert whole.sidebar.date_input[0].value == (date(2026, 1, 5), date(2026, 3, 2))
    with Workspace(path) as ws:  # a later import adds April's orders
        ws.import_frame("orders", _orders(["2026-04-07", "2026-04-20"], prefix="n"),
                        file_name="april.csv")
    whole.run()
    chosen.run()
    assert not whole.exception and not chosen.exception
    # the whole range widens to the new last day (no date filter: nothing in the URL)...
    assert whole.sidebar.date_input[0].value == (date(2026, 1, 5), date(2026, 4, 20))
    assert "start" not in whole.query_params
    # ... while a range the user chose stays as chosen
    assert chosen.sidebar.date_input[0].value == (date(2026, 2, 1), date(2026, 3, 2))
    assert chosen.query_params["start"] == "2026-02-01"
