"""Each customer's orders with their neighbours, scanned from order_facts
(retention_core.metrics.order_days): a hand-worked shop, rows out of order, an empty scope,
and the part's two forms. The queries built on these rows are compared with the window
pass on random shops in tests/test_order_facts.py (stored workspace: this scan; mounted
orders: the window)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from test_purchase_days import HAND

from retention_core.metrics import order_days
from retention_core.workspace import Workspace

UNTIL = {"until": datetime(2026, 12, 1), "f_channels": None, "f_countries": None,
         "f_devices": None}
D = date
# (customer, order day, previous day, next day, first day, order number, revenue): HAND's
# kept customer orders in (customer, time) order; no guest, no cancelled order
EXPECTED = [
    ("A", D(2026, 1, 5), None, D(2026, 1, 5), D(2026, 1, 5), 1, 10.0),
    ("A", D(2026, 1, 5), D(2026, 1, 5), D(2026, 2, 1), D(2026, 1, 5), 2, 5.0),
    ("A", D(2026, 2, 1), D(2026, 1, 5), D(2026, 3, 1), D(2026, 1, 5), 3, 20.0),
    ("A", D(2026, 3, 1), D(2026, 2, 1), None, D(2026, 1, 5), 4, 40.0),
    ("B", D(2026, 1, 20), None, None, D(2026, 1, 20), 1, 30.0),
    ("C", D(2026, 2, 20), None, D(2026, 2, 21), D(2026, 2, 20), 1, 7.0),
    ("C", D(2026, 2, 21), D(2026, 2, 20), None, D(2026, 2, 20), 2, 3.0),
]


@pytest.fixture
def hand():
    with Workspace.from_frames(orders=HAND) as ws:
        yield ws


def _readable(con, table) -> list[tuple]:
    ids = dict(con.execute("select customer_key, customer_id from customer_keys").fetchall())
    frame = pl.from_arrow(table)
    return sorted(((ids[r["customer_id"]], r["order_day"], r["previous_day"], r["next_day"],
                    r["first_day"], r["order_number"], r["revenue"])
                   for r in frame.iter_rows(named=True)), key=lambda row: (row[0], row[5]))


def test_hand_worked_neighbours(hand):
    con = hand.cursor()
    assert _readable(con, order_days.rows(con, UNTIL, full=True)) == EXPECTED
    # "as of" 1 March: A's order of that day is the last one in scope, so it has no next
    before = order_days.rows(con, {**UNTIL, "until": datetime(2026, 3, 1)}, full=True)
    assert _readable(con, before) == [
        (*row[:3], None, *row[4:]) if row[:2] == ("A", D(2026, 2, 1)) else row
        for row in EXPECTED if row[1] < D(2026, 3, 1)]


def test_without_full_only_the_neighbours(hand):
    # the retention rate and the Overview read these five; Repeat buying the full rows
    con = hand.cursor()
    lean, full = order_days.rows(con, UNTIL), order_days.rows(con, UNTIL, full=True)
    assert lean.column_names == ["customer_id", "order_day", "previous_day", "next_day",
                                 "revenue"]
    assert lean.equals(full.select(lean.column_names))


def test_filters_choose_the_neighbours(hand):
    # web orders only: A's 18:00 app order is out, so the 9:00 one is followed by 1 February
    con = hand.cursor()
    web = _readable(con, order_days.rows(con, {**UNTIL, "f_channels": ["web"]}, full=True))
    assert [r[:4] for r in web if r[0] == "A"] == [
        ("A", D(2026, 1, 5), None, D(2026, 2, 1)),
        ("A", D(2026, 2, 1), D(2026, 1, 5), D(2026, 3, 1)),
        ("A", D(2026, 3, 1), D(2026, 2, 1), None)]
    assert not [r for r in web if r[0] == "C"]  # app orders only


def test_rows_out_of_order_are_sorted_first(hand, monkeypatch):
    con = hand.cursor()
    assert order_days._in_order(pl.Series([1, 1, 2]).to_numpy(), pl.Series([5, 6, 1]).to_numpy())
    assert not order_days._in_order(pl.Series([1, 1, 2]).to_numpy(),
                                    pl.Series([6, 5, 1]).to_numpy())
    reversed_scan = order_days._SCAN + "order by customer_id desc, ordered_at desc\n"
    monkeypatch.setattr(order_days, "_SCAN", reversed_scan)
    got = _readable(con, order_days.rows(con, UNTIL, full=True))
    # sorted by customer and day: A's two orders of 5 January may swap (their neighbours
    # are that day either way), so compare the neighbours and each day's revenue
    assert [row[:5] for row in got] == [row[:5] for row in EXPECTED]
    assert _revenue_by_day(got) == _revenue_by_day(EXPECTED)


def _revenue_by_day(rows) -> dict:
    out: dict = {}
    for customer, day, *_, revenue in rows:
        out[(customer, day)] = out.get((customer, day), 0.0) + revenue
    return out


def test_empty_scope(hand):
    con = hand.cursor()
    assert order_days.rows(con, {**UNTIL, "f_countries": ["nowhere"]}).num_rows == 0


def test_part_reads_the_scan_on_order_facts_and_the_window_otherwise(hand):
    con = hand.cursor()
    with order_days.part(con, UNTIL) as sql:
        assert order_days.NAME in sql
        assert con.execute("select count(*) from order_days_scanned").fetchall() == [(7,)]
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    views = {r[0] for r in con.execute("select view_name from duckdb_views()").fetchall()}
    assert order_days.NAME not in tables | views  # registered for one query only
    with Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", HAND, file_name="orders.parquet")
        with order_days.part(mounted.cursor(), UNTIL) as sql:
            assert "over by_customer" in sql and order_days.NAME not in sql
