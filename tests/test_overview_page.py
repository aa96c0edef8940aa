"""The Overview page through AppTest: tiles, what changed, trends, report download."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from streamlit.testing.v1 import AppTest
from testkit import ROOT

from retention_core.filters import Filters
from retention_core.metrics.overview import compute_overview
from retention_core.workspace import Workspace


def _open(monkeypatch, path) -> AppTest:
    monkeypatch.setenv("RETENTION_WORKSPACE", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/1_overview.py").run()
    assert not at.exception, at.exception
    return at


def test_overview_on_the_demo_data(tmp_path, monkeypatch):
    at = _open(monkeypatch, tmp_path / "empty.duckdb")
    assert [m.label for m in at.metric][:3] == ["Revenue", "Orders", "New customers"]
    assert len(at.metric) == 11
    # the colour says good or bad, not the sign: a fall in cart abandonment is green
    green, red, grey = 1, 0, 2  # MetricProto.MetricColor
    colours = {m.label: m.proto.color for m in at.metric}
    deltas = {m.label: m.proto.delta for m in at.metric}
    for label in ("Revenue", "Orders", "Repeat purchase rate"):
        if deltas[label] and not deltas[label].startswith(("+0.0", "-0.0")):
            assert colours[label] == (green if deltas[label].startswith("+") else red), label
    if deltas["Cart abandonment"].startswith("-"):
        assert colours["Cart abandonment"] == green
    elif deltas["Cart abandonment"].startswith("+"):
        assert colours["Cart abandonment"] in (red, grey)
    assert any("What changed" in h.value for h in at.subheader)
    assert len(at.get("plotly_chart")) == 1
    assert any("demo data" in i.value for i in at.sidebar.info)
    report_button = next(b for b in at.button if b.label == "Prepare the report")
    report_button.click().run()
    assert not at.exception
    assert any(d.label == "Download report.html" for d in at.get("download_button"))


def test_overview_shows_missing_sources_and_matches_the_core(tmp_path, monkeypatch):
    start = datetime(2026, 3, 2)
    orders = pl.DataFrame({
        "order_id": [str(i) for i in range(40)],
        "customer_id": [f"c{i % 9}" for i in range(40)],
        "ordered_at": [start + timedelta(days=i) for i in range(40)],
        "revenue": [float(10 + i) for i in range(40)],
    })
    path = tmp_path / "orders_only.duckdb"
    ws = Workspace.from_frames(path, orders=orders)
    expected = compute_overview(ws.cursor(), Filters(), "week")
    ws.close()
    at = _open(monkeypatch, path)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Orders"].value == expected.tiles[1]["value_text"] == "7"
    assert metrics["NPS"].value == "–"
    assert any("no survey answers imported" in c.value for c in at.caption)
    assert any("no funnel events imported" in c.value for c in at.caption)

    # the month view compares months instead: March 2026 (complete) is the reported month
    next(b for b in at.button_group if b.key == "overview_period").set_value("month").run()
    assert not at.exception
    assert any("Month starting 2026-03-01" in c.value for c in at.caption)
