"""What the Data page shows besides the upload: rows per day with gaps, imports, batches."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from retention_core.charts.data import plot_daily_activity
from retention_core.errors import MappingError
from retention_core.ingest import ingest_files
from retention_core.ingest.activity import (
    compute_daily_activity,
    count_undated_answers,
    list_imports_with_reports,
    summarise_activity,
)
from retention_core.ingest.uploads import group_uploads, parse_stage_text, read_upload
from retention_core.workspace import Workspace

ORDERS = pl.DataFrame({
    "order_id": ["1", "2", "3", "4", "5"],
    "customer_id": ["a", "b", "a", None, "c"],
    "ordered_at": [datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 17), datetime(2024, 1, 2, 8),
                   datetime(2024, 1, 6, 12), datetime(2024, 1, 3, 10)],
    "revenue": [10.0, 20.0, 30.0, 40.0, 5.0],
    "status": ["paid", "paid", "paid", "paid", "cancelled"],
})

DATA = Path(__file__).resolve().parent / "data"


def test_daily_activity_fills_gaps_with_zero():
    ws = Workspace.from_frames(orders=ORDERS)
    daily = compute_daily_activity(ws.cursor())
    kept = daily.filter(pl.col("series") == "orders")
    # kept orders: Jan 1 (2), Jan 2 (1), Jan 6 (1); Jan 3-5 have none (order 5 is cancelled)
    assert kept.select("day", "rows").rows() == [
        (date(2024, 1, 1), 2), (date(2024, 1, 2), 1), (date(2024, 1, 3), 0),
        (date(2024, 1, 4), 0), (date(2024, 1, 5), 0), (date(2024, 1, 6), 1)]
    assert daily.filter(pl.col("series") == "excluded orders").select("day", "rows").rows() == [
        (date(2024, 1, 3), 1)]
    summary = summarise_activity(ws.cursor()).filter(pl.col("series") == "orders").row(0, named=True)
    assert (summary["rows"], summary["days"], summary["empty_days"], summary["longest_gap"]) == (
        4, 6, 3, 3)


def test_empty_workspace_activity_and_chart():
    ws = Workspace(":memory:")
    assert compute_daily_activity(ws.cursor()).is_empty()
    assert summarise_activity(ws.cursor()).is_empty()
    fig = plot_daily_activity(compute_daily_activity(ws.cursor()))
    assert fig.layout.annotations[0].text == "No data imported yet"


def test_chart_has_one_panel_per_table_with_zero_days():
    ws = Workspace.from_frames(orders=ORDERS)
    ingest_files(ws, [DATA / "ga4_events_small.csv"])
    fig = plot_daily_activity(compute_daily_activity(ws.cursor()))
    names = [trace.name for trace in fig.data]
    assert names == ["Orders (kept)", "Excluded orders", "Funnel events"]
    assert list(fig.data[0].y) == [2, 1, 0, 0, 0, 1]
    assert fig.data[2].yaxis == "y3"


def test_imports_listed_with_their_report_numbers_and_undated_answers():
    ws = Workspace(":memory:")
    ingest_files(ws, [DATA / "shopify_orders_small.csv"])
    ingest_files(ws, [DATA / "nps_benavent_small.csv"])
    table = list_imports_with_reports(ws.cursor())
    assert table.select("kind", "rows_read", "kept", "excluded", "rejected", "rows_owned").rows() == [
        ("surveys", 5, 4, 0, 1, 4), ("orders", 10, 4, 3, 0, 7)]
    assert count_undated_answers(ws.cursor()) == 4


def test_uploads_with_the_same_columns_are_one_batch():
    header = b"Order ID,Date,Total\n"
    day1 = read_upload("day1.csv", header + b"1,2024-01-01,10\n")
    day2 = read_upload("day2.csv", header + b"2,2024-01-02,20\n")
    again = read_upload("day1.csv", header + b"1,2024-01-01,12\n")
    other = read_upload("nps.csv", (DATA / "nps_benavent_small.csv").read_bytes())
    broken = read_upload("broken.csv", b"")
    assert broken.error is not None and "empty" in broken.error
    batches = group_uploads([day1, day2, other, broken, again])
    assert [b.label for b in batches] == ["broken.csv", "day1.csv + 2 more", "nps.csv"]
    orders = batches[1]
    assert orders.rows == 3
    assert orders.suggestion.kind == "orders"
    # the two files named day1.csv stay apart: the later one wins for order 1
    assert [f.name for f in orders.files] == ["day1.csv", "day2.csv", "day1.csv (2)"]
    from retention_core.ingest import prepare_raw

    prepared = prepare_raw(orders.frame, orders.files)
    assert dict(prepared.frame.select("order_id", "revenue").rows()) == {"1": 12.0, "2": 20.0}


def test_parse_stage_text():
    assert parse_stage_text("1=view, 3=add_to_cart;4 = purchase\n") == {
        "1": "view", "3": "add_to_cart", "4": "purchase"}
    with pytest.raises(MappingError, match="RAW=STAGE"):
        parse_stage_text("1 view")
