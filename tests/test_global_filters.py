"""Global sidebar filters: shared by every page, kept in session state and in the URL."""

from __future__ import annotations

from datetime import date

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
