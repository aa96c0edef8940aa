"""Purchase days from order_facts (retention_core.metrics.purchase_days): a hand-worked shop,
the SQL they replace on random shops (customer_rfm.sql and rfm_summary.sql with its daily
rows, on the same orders mounted: no derived tables), an empty scope, and rows out of
order."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_order_facts import SCHEMA
from test_retention_properties import BASE, filter_sets, order_sets

from retention_core.filters import Filters
from retention_core.metrics import clv, purchase_days
from retention_core.sql import load_sql, query_frame
from retention_core.workspace import Workspace


def _orders(rows) -> pl.DataFrame:
    return pl.DataFrame(
        [{"order_id": f"o{i}", "customer_id": c, "ordered_at": t, "revenue": v, "status": s,
          "channel": ch, "delivered_late": None}
         for i, (c, t, v, s, ch) in enumerate(rows)], schema=SCHEMA)


D = datetime
HAND = _orders([
    ("A", D(2026, 1, 5, 9), 10.0, None, "web"),
    ("A", D(2026, 1, 5, 18), 5.0, None, "app"),     # same day: one purchase day of 15
    ("A", D(2026, 2, 1, 12), 20.0, None, "web"),
    ("A", D(2026, 3, 1, 12), 40.0, None, "web"),    # after the calibration end below
    ("B", D(2026, 1, 20, 8), 30.0, None, "web"),
    ("B", D(2026, 1, 25, 8), 99.0, "cancelled", "web"),  # not kept
    ("C", D(2026, 2, 20, 8), 7.0, None, "app"),     # first order after the calibration end
    ("C", D(2026, 2, 21, 8), 3.0, None, "app"),
    (None, D(2026, 1, 6, 8), 100.0, None, "web"),   # guest
])


@pytest.fixture
def hand():
    with Workspace.from_frames(orders=HAND) as ws:
        yield ws


def test_hand_worked_customer_rfm(hand):
    con = hand.cursor()
    rows = purchase_days.customer_rfm(purchase_days.load(con, Filters()))
    ids = dict(query_frame(con, "select customer_key, customer_id from customer_keys").rows())
    got = {ids[row["customer_id"]]: row for row in rows.iter_rows(named=True)}
    assert set(got) == {"A", "B", "C"}
    a, b, c = got["A"], got["B"], got["C"]
    assert (a["first_order"], a["last_order"]) == (date(2026, 1, 5), date(2026, 3, 1))
    assert (a["orders"], a["revenue"], a["frequency"]) == (4, 75.0, 2)
    assert a["monetary_value"] == (20.0 + 40.0) / 2  # the repeat days, not the first (15)
    assert (b["orders"], b["revenue"], b["frequency"], b["monetary_value"]) == (1, 30.0, 0, 0.0)
    assert (c["frequency"], c["monetary_value"]) == (1, 3.0)
    web = purchase_days.customer_rfm(purchase_days.load(con, Filters(channels=("web",))))
    assert sorted(web["revenue"]) == [30.0, 70.0]  # A without its app order; C has none


def test_hand_worked_summary_and_daily_series(hand):
    con = hand.cursor()
    summary, daily = purchase_days.rfm_summary(
        purchase_days.load(con, Filters()), date(2026, 2, 10), date(2026, 3, 1), 7.0)
    assert summary.height == 2  # C's first purchase is after the calibration end
    a, b = summary.sort("first_purchase").iter_rows(named=True)
    assert (a["frequency"], a["recency_days"], a["t_days"]) == (1.0, 27, 36)
    assert (a["recency"], a["T"]) == (27 / 7, 36 / 7)
    assert a["monetary_value"] == 20.0
    assert (a["holdout_frequency"], a["holdout_revenue"]) == (1, 40.0)
    assert (b["frequency"], b["monetary_value"], b["holdout_frequency"]) == (0.0, 0.0, 0)
    assert (b["recency_days"], b["t_days"]) == (0, 21)
    # first and repeat purchase days of A and B per day (C is not a calibration customer)
    assert daily.rows() == [(date(2026, 1, 5), 1, 0), (date(2026, 1, 20), 1, 0),
                            (date(2026, 2, 1), 0, 1), (date(2026, 3, 1), 0, 1)]
    # a holdout that ends before A's last order
    summary, daily = purchase_days.rfm_summary(
        purchase_days.load(con, Filters()), date(2026, 2, 10), date(2026, 2, 28), 7.0)
    assert summary.sort("first_purchase")["holdout_frequency"].to_list() == [0, 0]
    assert summary["holdout_revenue"].to_list() == [0.0, 0.0]
    assert daily["day"].max() == date(2026, 2, 1)


def test_empty_scope(hand):
    days = purchase_days.load(hand.cursor(), Filters(countries=("nowhere",)))
    assert days.customers == 0
    assert purchase_days.customer_rfm(days).is_empty()
    summary, daily = purchase_days.rfm_summary(days, date(2026, 2, 10), date(2026, 3, 1), 7.0)
    assert summary.is_empty() and daily.is_empty()


def test_rows_out_of_order_are_sorted_first(hand, monkeypatch):
    con = hand.cursor()
    in_order = purchase_days.load(con, Filters())
    assert purchase_days._in_order(np.array([1, 1, 2]), np.array([5, 6, 1]))
    assert not purchase_days._in_order(np.array([1, 1, 2]), np.array([6, 5, 1]))
    assert not purchase_days._in_order(np.array([2, 1]), np.array([1, 1]))
    monkeypatch.setattr(purchase_days, "_in_order", lambda key, day: False)
    sorted_again = purchase_days.load(con, Filters())
    for name in ("key", "day", "revenue", "orders", "starts"):
        np.testing.assert_array_equal(getattr(sorted_again, name), getattr(in_order, name))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=order_sets(), filters=filter_sets(), calibration_day=st.integers(100, 400),
       holdout_cut=st.integers(0, 60))
def test_equal_to_the_sql_on_random_shops(orders, filters, calibration_day, holdout_cut):
    """customer_rfm and rfm_summary with its daily rows, here and in SQL on the same orders
    mounted (customer ids instead of keys: the rows are compared by id)."""
    if not orders:
        return
    frame = pl.DataFrame(orders, schema=SCHEMA)
    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        con, canonical = stored.cursor(), mounted.cursor()
        ids = query_frame(con, "select customer_key, customer_id as id from customer_keys")
        days = purchase_days.load(con, filters)

        def by_id(rows: pl.DataFrame) -> pl.DataFrame:
            return (rows.join(ids, left_on="customer_id", right_on="customer_key")
                    .drop("customer_id").rename({"id": "customer_id"})
                    .select(sorted(rows.columns)).sort("customer_id"))

        want = query_frame(canonical, load_sql("clv/customer_rfm"), filters.params())
        assert_frame_equal(by_id(purchase_days.customer_rfm(days)),
                           want.select(sorted(want.columns)).sort("customer_id"),
                           check_exact=False, rel_tol=1e-12)
        bounds = clv.order_date_bounds(canonical, filters)
        if bounds is None:
            assert days.customers == 0
            return
        end = max(bounds[0], (BASE + timedelta(days=calibration_day)).date())
        holdout_end = max(end, bounds[1] - timedelta(days=holdout_cut))
        summary, daily = purchase_days.rfm_summary(days, end, holdout_end, 7.0)
        rows = clv._rfm_summary(canonical, filters, bounds, end, "week", holdout_end,
                                daily=True)
        is_day = pl.col("day").is_not_null()
        want = rows.filter(~is_day).drop("day", "first_purchases", "repeat_purchases")
        assert_frame_equal(by_id(summary), want.select(sorted(want.columns)).sort("customer_id"),
                           check_exact=False, rel_tol=1e-12)
        assert_frame_equal(daily, rows.filter(is_day).select(daily.columns).sort("day"))
