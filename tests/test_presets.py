"""Each preset on a small fixture shaped like the real export, against hand-worked answers.

The expected values below were worked out by hand from the fixture files in tests/data/
(see the comments); they are not copied from the code's output.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from retention_core.errors import MappingError
from retention_core.ingest import prepare_import
from retention_core.presets import PRESET_NAMES, detect_preset, find_preset

DATA = Path(__file__).resolve().parent / "data"


def _by_id(frame: pl.DataFrame, key: str) -> dict[str, dict]:
    return {row[key]: row for row in frame.to_dicts()}


def test_preset_names():
    assert PRESET_NAMES == ("shopify_checkouts", "shopify", "online_retail", "ga4", "woocommerce")


def test_shopify_orders():
    p = prepare_import(DATA / "shopify_orders_small.csv", kind="orders")
    assert p.preset == "shopify"
    orders = _by_id(p.frame, "order_id")
    assert set(orders) == {"#1001", "#1002", "#1003", "#1004", "#1005", "#1006", "#1007"}
    # #1001: two line items; order fields only on the first row; e-mail trimmed + lower-cased;
    # Total 100.00 taken once (not summed over lines); +0100 offset -> 09:00 UTC
    o = orders["#1001"]
    assert o["customer_id"] == "ann@shop.com"
    assert o["revenue"] == 100.0
    assert o["ordered_at"] == datetime(2024, 1, 5, 9, 0, 0)
    assert (o["discount_code"], o["country"], o["channel"]) == ("SAVE10", "DE", "web")
    assert (o["product"], o["category"]) == ("Blue Mug", "Mugs Inc")
    assert o["is_excluded"] is False
    # #1002: blank e-mail = guest; no shipping country -> billing country
    assert orders["#1002"]["customer_id"] is None
    assert orders["#1002"]["country"] == "PL"
    # #1003: partially refunded: 80.00 - 30.00 refunded, kept
    assert orders["#1003"]["revenue"] == 50.0
    assert orders["#1003"]["status"] == "partially_refunded"
    assert orders["#1003"]["is_excluded"] is False
    # #1004 refunded, #1005 Cancelled at set, #1006 voided: stored but excluded
    assert orders["#1004"]["is_excluded"] and orders["#1004"]["status"] == "refunded"
    assert orders["#1005"]["is_excluded"] and orders["#1005"]["status"] == "cancelled"
    assert orders["#1006"]["is_excluded"] and orders["#1006"]["status"] == "voided"
    # #1007: 23:30 at -0500 is 04:30 UTC the next day
    assert orders["#1007"]["ordered_at"] == datetime(2024, 3, 2, 4, 30)
    assert orders["#1007"]["revenue"] == 25.5

    r = p.report
    assert (r.rows_read, r.found, r.kept, r.excluded, r.rejected) == (10, 7, 4, 3, 0)
    assert r.guest_share == pytest.approx(1 / 4)  # #1002 of #1001, #1002, #1003, #1007
    assert r.by_reason == {"refunded": 1, "cancelled": 1, "voided": 1}
    excluded = r.issues.filter(pl.col("outcome") == "excluded").sort("row")
    # spreadsheet rows: header 1, #1001 rows 2-3, #1002 4, #1003 5-7, #1004 8, #1005 9, #1006 10
    assert excluded.select("row", "reason", "column").rows() == [
        (8, "refunded", "Financial Status"), (9, "cancelled", "Cancelled at"),
        (10, "voided", "Financial Status")]
    kept = p.frame.filter(~pl.col("is_excluded"))
    assert kept.get_column("revenue").sum() == pytest.approx(100 + 50 + 50 + 25.5)


def test_online_retail():
    p = prepare_import(DATA / "online_retail_small.csv", kind="orders")
    assert p.preset == "online_retail"
    orders = _by_id(p.frame, "order_id")
    # 6 x 2.55 + 6 x 3.39 + 8 x 2.75 = 15.30 + 20.34 + 22.00
    assert orders["536365"]["revenue"] == pytest.approx(57.64)
    assert orders["536365"]["customer_id"] == "17850"  # 17850.0 -> 17850
    assert orders["536366"]["revenue"] == pytest.approx(22.20)
    # C-invoice: a cancellation, stored as cancelled and excluded
    assert orders["C536379"]["is_excluded"] is True
    assert orders["C536379"]["status"] == "cancelled"
    assert orders["C536379"]["revenue"] == pytest.approx(-27.5)
    # blank CustomerID = guest; 24 x 0.55 + 2 x 4.25
    assert orders["536380"]["customer_id"] is None
    assert orders["536380"]["revenue"] == pytest.approx(21.70)
    assert orders["536381"]["country"] == "France"
    assert orders["536365"]["product"] == "WHITE HANGING HEART T-LIGHT HOLDER"
    r = p.report
    assert (r.rows_read, r.found, r.kept, r.excluded, r.rejected) == (9, 5, 4, 1, 0)
    assert r.by_reason == {"cancelled": 1}
    assert r.guest_share == pytest.approx(1 / 4)
    kept = p.frame.filter(~pl.col("is_excluded"))
    assert kept.get_column("revenue").sum() == pytest.approx(57.64 + 22.20 + 21.70 + 12.50)


def test_woocommerce():
    p = prepare_import(DATA / "woocommerce_orders_small.csv", kind="orders")
    assert p.preset == "woocommerce"
    orders = _by_id(p.frame, "order_id")
    assert orders["201"]["revenue"] == 120.0  # order total repeated on both item rows: once
    assert orders["201"]["status"] == "completed"  # wc- prefix dropped
    assert orders["201"]["discount_code"] == "WIOSNA"
    assert orders["201"]["product"] == "Kubek"
    assert orders["206"]["customer_id"] == "anna@sklep.pl"  # "ANNA@sklep.pl " normalised
    assert orders["206"]["revenue"] == 80.0  # 100 - 20 refunded
    assert {k for k, o in orders.items() if o["is_excluded"]} == {"203", "204", "205"}
    r = p.report
    assert r.by_reason == {"cancelled": 1, "refunded": 1, "failed": 1}
    assert (r.found, r.kept, r.excluded) == (6, 3, 3)
    assert p.frame.filter(~pl.col("is_excluded")).get_column("revenue").sum() == 280.0


def test_shopify_checkouts_become_funnel_events():
    p = prepare_import(DATA / "shopify_checkouts_small.csv", kind="events")
    assert p.preset == "shopify_checkouts"
    ev = p.frame.sort(["session_id", "event_at"])
    assert ev.select("session_id", "raw_event", "stage", "event_at", "customer_id").rows() == [
        ("9001", "checkout_started", "checkout", datetime(2024, 3, 1, 10, 0), "a@x.com"),
        ("9001", "checkout_completed", "purchase", datetime(2024, 3, 1, 10, 20), "a@x.com"),
        ("9002", "checkout_started", "checkout", datetime(2024, 3, 2, 11, 0), "b@x.com"),
        ("9003", "checkout_started", "checkout", datetime(2024, 3, 3, 12, 0), None),
        ("9003", "checkout_completed", "purchase", datetime(2024, 3, 3, 12, 5), None),
    ]
    assert ev.filter(pl.col("session_id") == "9001").get_column("value").to_list() == [35.0, 35.0]
    assert p.report.extra["checkouts"] == 3
    assert p.report.extra["checkouts_completed"] == 2
    assert ev.get_column("event_id").n_unique() == 5


def test_shopify_checkouts_started_as_carts_with_stage_map():
    p = prepare_import(DATA / "shopify_checkouts_small.csv",
                       stage_map={"checkout_started": "add_to_cart"})
    assert sorted(p.frame.get_column("stage").to_list()) == [
        "add_to_cart", "add_to_cart", "add_to_cart", "purchase", "purchase"]


def test_ga4_events():
    p = prepare_import(DATA / "ga4_events_small.csv")
    assert (p.kind, p.preset) == ("events", "ga4")
    ev = p.frame
    first = ev.filter(pl.col("raw_event") == "page_view").row(0, named=True)
    # 1_700_000_000_000_000 microseconds after the epoch = 2023-11-14 22:13:20 UTC
    assert first["event_at"] == datetime(2023, 11, 14, 22, 13, 20)
    assert first["session_id"] == "111.222:17000001"  # user + ga_session_id
    assert first["customer_id"] == "111.222"
    assert first["device"] == "desktop"
    assert first["source"] == "google"
    stages = dict(ev.group_by("stage").len().iter_rows())
    assert stages == {"view": 4, "add_to_cart": 2, "checkout": 1, "purchase": 1, None: 1}
    assert ev.get_column("session_id").n_unique() == 3
    assert any("scroll (1)" in n for n in p.report.notes)


def test_ga4_purchase_items_become_orders():
    p = prepare_import(DATA / "ga4_purchase_items_small.csv")
    assert (p.kind, p.preset) == ("orders", "ga4")
    orders = p.frame.sort("ordered_at")
    # purchase 1: 14 + 32; its repeat 143 ms later with the same items is a duplicate hit;
    # 2020-12-05: 48; the (not set) row has no revenue at all: rejected; 555.666: 24
    assert orders.select("customer_id", "revenue").rows() == [
        ("111.222", 46.0), ("555.666", 24.0), ("111.222", 48.0)]
    assert orders.row(0, named=True)["ordered_at"] == datetime(2020, 11, 21, 3, 11, 48, 612895)
    r = p.report
    assert (r.found, r.kept, r.rejected) == (5, 3, 2)
    assert r.by_reason["missing amount"] == 1
    assert sum(n for k, n in r.by_reason.items() if k.startswith("duplicate purchase")) == 1


def test_detect_preset_from_header_only():
    header = (DATA / "shopify_orders_small.csv").read_text().splitlines()[0].split(",")
    assert detect_preset(header).name == "shopify"
    assert detect_preset(header, kind="events") is None
    assert detect_preset(["order_id", "date", "total"]) is None


def test_unknown_or_misused_preset():
    with pytest.raises(MappingError, match="unknown preset 'magento'; known presets are "
                                           "shopify_checkouts, shopify, online_retail, ga4, woocommerce"):
        find_preset("magento")
    with pytest.raises(MappingError, match="preset shopify reads orders files, not surveys"):
        find_preset("shopify", kind="surveys")
    with pytest.raises(MappingError, match="preset"):
        prepare_import(DATA / "online_retail_small.csv", kind="orders", preset="nope")


def test_named_preset_on_a_renamed_header_reports_missing_columns():
    content = b"Order,Mail,When,Sum\n1,a@b.c,2024-01-01,10\n"
    with pytest.raises(MappingError, match="no column found for ordered_at, revenue"):
        prepare_import([("x.csv", content)], kind="orders", preset="shopify")
