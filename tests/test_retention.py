"""Retention metrics on a tiny data set worked out by hand (SPEC.md definitions).

The shop (month periods; "as of" defaults to the last order, Wed 2026-04-08):

    id  customer  ordered_at         revenue  channel  status
    1   a         2026-01-05 10:00   100      web
    2   a         2026-01-05 18:00    50      web      (same day as 1)
    3   a         2026-03-10          80      app
    4   b         2026-01-20          40      app
    5   b         2026-02-14          60      web      cancelled -> never counts
    6   c         2026-02-03          30      web
    7   c         2026-02-25          30      web
    8   (guest)   2026-02-10          20      web
    9   d         2026-03-20          70      app
    10  b         2026-04-08          25      web

Cohorts (month of the first kept order): January = {a, b}, February = {c}, March = {d}.
Active months: a Jan, Mar; b Jan, Apr; c Feb; d Mar. April 8 is not April's last day,
so April is partial.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics import retention as r
from retention_core.workspace import Workspace

ORDERS = pl.DataFrame(
    [
        ("1", "a", "2026-01-05 10:00", 100.0, None, "web"),
        ("2", "a", "2026-01-05 18:00", 50.0, None, "web"),
        ("3", "a", "2026-03-10 12:00", 80.0, None, "app"),
        ("4", "b", "2026-01-20 12:00", 40.0, None, "app"),
        ("5", "b", "2026-02-14 12:00", 60.0, "cancelled", "web"),
        ("6", "c", "2026-02-03 12:00", 30.0, None, "web"),
        ("7", "c", "2026-02-25 12:00", 30.0, None, "web"),
        ("8", None, "2026-02-10 12:00", 20.0, None, "web"),
        ("9", "d", "2026-03-20 12:00", 70.0, None, "app"),
        ("10", "b", "2026-04-08 12:00", 25.0, None, "web"),
    ],
    schema=["order_id", "customer_id", "ordered_at", "revenue", "status", "channel"],
    orient="row",
).with_columns(pl.col("ordered_at").str.to_datetime())

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))
ALL = Filters()
WEB = Filters(channels=("web",))


@pytest.fixture(scope="module")
def con():
    ws = Workspace.from_frames(orders=ORDERS)
    yield ws.cursor()
    ws.close()


def _cohorts(rows):
    return pl.DataFrame(rows, schema=r.COHORT_SCHEMA, orient="row")


def test_bounded_cohort_table(con):
    # January (a, b): Feb nobody (b's Feb order is cancelled) -> 0; Mar a -> 1/2;
    # Apr b -> 1/2, partial. February (c): c never again. March (d): nothing in April.
    want = _cohorts([
        (JAN, 2, 0, JAN, 2, 1.0, False),
        (JAN, 2, 1, FEB, 0, 0.0, False),
        (JAN, 2, 2, MAR, 1, 0.5, False),
        (JAN, 2, 3, APR, 1, 0.5, True),
        (FEB, 1, 0, FEB, 1, 1.0, False),
        (FEB, 1, 1, MAR, 0, 0.0, False),
        (FEB, 1, 2, APR, 0, 0.0, True),
        (MAR, 1, 0, MAR, 1, 1.0, False),
        (MAR, 1, 1, APR, 0, 0.0, True),
    ])
    assert_frame_equal(r.compute_cohort_table(con, ALL, "month"), want)


def test_unbounded_cohort_table(con):
    # January at k = 1: an order in Feb or later -> a (Mar) and b (Apr) = 2/2, although
    # nobody ordered in February itself; k = 2 (Mar or later) still both; k = 3 (Apr) b.
    got = r.compute_cohort_table(con, ALL, "month", unbounded=True)
    assert got.get_column("retained").to_list() == [2, 2, 2, 1, 1, 0, 0, 1, 0]


def test_quarter_and_week_cohorts(con):
    # Quarters: Q1 cohort = a, b, c, d (4); Q2 (April 1-8, partial): b -> 1/4.
    q = r.compute_cohort_table(con, ALL, "quarter")
    assert q.rows() == [(JAN, 4, 0, JAN, 4, 1.0, False), (JAN, 4, 1, APR, 1, 0.25, True)]
    # Weeks: a's cohort is the week of Monday 2026-01-05; its two same-day orders are
    # one active week. April 8 is a Wednesday: the week of April 6 is partial.
    w = r.compute_cohort_table(con, ALL, "week")
    a_week = w.filter(pl.col("cohort") == date(2026, 1, 5))
    assert a_week.get_column("cohort_size").first() == 1
    assert a_week.filter(pl.col("retained") == 1).get_column("period_start").to_list() == [
        date(2026, 1, 5), date(2026, 3, 9)]
    assert w.filter(pl.col("is_partial")).get_column("period_start").unique().to_list() == [
        date(2026, 4, 6)]


def test_channel_filter_changes_cohorts(con):
    # Web orders only: a (Jan 5 twice) cohort Jan; c cohort Feb; b's first web order is
    # April 8 (its January order was on the app) -> cohort April. a never orders on the
    # web again -> January: 1, 0, 0, 0.
    got = r.compute_cohort_table(con, WEB, "month")
    assert got.select("cohort", "period_index", "retained").rows() == [
        (JAN, 0, 1), (JAN, 1, 0), (JAN, 2, 0), (JAN, 3, 0),
        (FEB, 0, 1), (FEB, 1, 0), (FEB, 2, 0),
        (APR, 0, 1)]


def test_date_range_keeps_earlier_history(con):
    # Range from March 1: customers acquired from March on = d only; b's April order is a
    # return, not a new customer (b's first order was in January).
    got = r.compute_cohort_table(con, Filters(start=MAR), "month")
    assert got.select("cohort", "cohort_size", "retained").rows() == [(MAR, 1, 1), (MAR, 1, 0)]


def test_explicit_as_of(con):
    # As of Feb 28 (February's last day): nothing is partial; April and March do not exist.
    got = r.compute_cohort_table(con, ALL, "month", as_of=date(2026, 2, 28))
    assert got.select("cohort", "period_index", "retained", "is_partial").rows() == [
        (JAN, 0, 2, False), (JAN, 1, 0, False), (FEB, 0, 1, False)]


def test_average_curve_uses_complete_cells_only(con):
    # k = 0: Jan (2) + Feb (1) + Mar (1) -> 4 of 4; k = 1: Jan 0/2 + Feb 0/1 (Mar's k = 1
    # is April, partial: left out) -> 0/3; k = 2: Jan 1/2 -> 1/2 (Feb's k = 2 is partial).
    avg = r.compute_average_retention(r.compute_cohort_table(con, ALL, "month"))
    assert avg.rows() == [(0, 3, 4, 4, 1.0), (1, 2, 3, 0, 0.0), (2, 1, 2, 1, 0.5)]


def test_customer_retention_rate(con):
    # Window 30 days; active at midnight t = an order in [t - 30 days, t).
    # Jan: S(Jan 1) = 0 -> undefined; E(Feb 1) = a, b; N = a, b.
    # Feb: S = 2; E(Mar 1: orders Jan 30..Feb 28) = c; N = c -> (1 - 1) / 2 = 0.
    # Mar: S = c; E(Apr 1: orders Mar 2..Mar 31) = a, d; N = d -> (2 - 1) / 1 = 1.
    # Apr (partial, end = midnight after Apr 8: orders Mar 10..Apr 8) = a (Mar 10), d, b;
    #   S(Apr 1) = a, d; N = 0 (b came back) -> 3 / 2 = 1.5.
    got = r.compute_customer_retention_rate(con, ALL, "month", activity_days=30)
    assert got.rows() == [
        (JAN, 0, 2, 2, None, False),
        (FEB, 2, 1, 1, 0.0, False),
        (MAR, 1, 2, 1, 1.0, False),
        (APR, 2, 3, 0, 1.5, True),
    ]


def test_customer_retention_rate_window_boundary(con):
    # Window 29 days: at the midnight after Apr 8, orders from Mar 11 on count, so a
    # (last order Mar 10) is no longer active: April E = d, b = 2 -> (2 - 0) / 2 = 1.0.
    got = r.compute_customer_retention_rate(con, ALL, "month", activity_days=29)
    assert got.row(3) == (APR, 2, 2, 0, 1.0, True)


def test_returning_share(con):
    # Jan: a, a, b all new (150 + 40). Feb: c twice new (60), guest 20. Mar: a returning
    # (80), d new (70) -> 1/2 of orders, 80/150 of revenue. Apr: b returning (25), partial.
    got = r.compute_returning_share(con, ALL, "month")
    assert got.select("period_start", "orders", "new_orders", "returning_orders",
                      "guest_orders").rows() == [
        (JAN, 3, 3, 0, 0), (FEB, 3, 2, 0, 1), (MAR, 2, 1, 1, 0), (APR, 1, 0, 1, 0)]
    assert got.get_column("revenue").to_list() == [190.0, 80.0, 150.0, 25.0]
    assert got.get_column("guest_revenue").to_list() == [0.0, 20.0, 0.0, 0.0]
    assert got.get_column("returning_order_share").to_list() == [0.0, 0.0, 0.5, 1.0]
    assert got.get_column("returning_revenue_share").to_list() == pytest.approx(
        [0.0, 0.0, 80 / 150, 1.0])
    assert got.get_column("is_partial").to_list() == [False, False, False, True]


def test_time_between_orders(con):
    # a: Jan 5 -> Jan 5 (0 days), Jan 5 -> Mar 10 (26 + 28 + 10 = 64); b: Jan 20 -> Apr 8
    # (11 + 28 + 31 + 8 = 78); c: Feb 3 -> Feb 25 (22). First to second: a 0, b 78, c 22.
    got = r.compute_time_between_orders(con, ALL)
    assert got.rows() == [(0, 1, 1), (22, 1, 1), (64, 1, 0), (78, 1, 1)]


def test_churn(con):
    # As of Apr 8, days since the last order: a 29 (Mar 10), b 0, c 42 (Feb 25), d 19.
    # Window 30: churned when >= 30 -> c only. Window 29: a too.
    got = r.compute_churn(con, ALL, churn_days=30)
    assert (got["customers"], got["churned"], got["churned_share"]) == (4, 1, 0.25)
    assert got["median_days_to_second"] == 22.0  # median of 0, 22, 78
    assert r.compute_churn(con, ALL, churn_days=29)["churned"] == 2
    assert r.compute_churn(con, ALL)["churned"] == 0  # default 365 days


def test_order_kpis(con):
    # 9 kept orders, revenue 100+50+80+40+30+30+20+70+25 = 445; customers a, b, c, d;
    # 8 orders with a customer_id -> frequency 2; repeaters a (3), b (2), c (2) -> 3/4.
    assert r.compute_order_kpis(con, ALL) == pytest.approx({
        "customers": 4, "orders": 9, "revenue": 445.0, "aov": 445 / 9,
        "purchase_frequency": 2.0, "repeat_purchase_rate": 0.75})
    # Web only: orders 1, 2, 6, 7, 8, 10 -> revenue 255, customers a, c, b; 5 with an id;
    # repeaters a, c -> 2/3.
    assert r.compute_order_kpis(con, WEB) == pytest.approx({
        "customers": 3, "orders": 6, "revenue": 255.0, "aov": 42.5,
        "purchase_frequency": 5 / 3, "repeat_purchase_rate": 2 / 3})


def test_weekly_order_kpis(con):
    got = r.compute_weekly_order_kpis(con, ALL)
    # Every week from Monday Jan 5 to the week of Apr 8 (Monday Apr 6): 14 weeks.
    assert got.height == 14
    assert got.get_column("week").to_list()[0] == date(2026, 1, 5)
    assert got.get_column("week").to_list()[-1] == date(2026, 4, 6)
    rows = {row["week"]: row for row in got.iter_rows(named=True)}
    # week of Jan 5: a twice -> 1 customer, 2 orders, 150, AOV 75, frequency 2, a has 2
    # orders by the week's end -> repeat rate 1
    assert rows[date(2026, 1, 5)] == {"week": date(2026, 1, 5), "customers": 1, "orders": 2,
                                      "revenue": 150.0, "aov": 75.0, "purchase_frequency": 2.0,
                                      "repeat_purchase_rate": 1.0}
    # week of Jan 12: no orders -> zeros and undefined ratios
    assert rows[date(2026, 1, 12)] == {"week": date(2026, 1, 12), "customers": 0, "orders": 0,
                                       "revenue": 0.0, "aov": None, "purchase_frequency": None,
                                       "repeat_purchase_rate": None}
    # week of Feb 2: c's first order -> repeat rate 0; week of Feb 23: c's second -> 1
    assert rows[date(2026, 2, 2)]["repeat_purchase_rate"] == 0.0
    assert rows[date(2026, 2, 23)]["repeat_purchase_rate"] == 1.0
    # week of Feb 9: only the guest order -> no customers, AOV 20
    assert (rows[date(2026, 2, 9)]["customers"], rows[date(2026, 2, 9)]["aov"]) == (0, 20.0)
    # week of Apr 6: b's second kept order (the Feb one was cancelled) -> 1
    assert rows[date(2026, 4, 6)]["repeat_purchase_rate"] == 1.0


def test_retention_summary(con):
    got = r.compute_retention_summary(con, ALL, "month", activity_days=30, churn_days=30)
    # the last complete month with a defined CRR is March (1.0); April is partial
    assert (got["crr"], got["crr_period"]) == (1.0, MAR)
    assert got["as_of"] == date(2026, 4, 8) and got["is_partial"] and got["current_start"] == APR
    assert got["repeat_purchase_rate"] == 0.75
    assert (got["churned"], got["churned_share"], got["median_days_to_second"]) == (1, 0.25, 22.0)


def test_no_orders_gives_empty_frames():
    with Workspace(":memory:") as ws:
        con = ws.cursor()
        assert r.compute_cohort_table(con, ALL).is_empty()
        assert r.compute_customer_retention_rate(con, ALL).is_empty()
        assert r.compute_returning_share(con, ALL).is_empty()
        assert r.compute_time_between_orders(con, ALL).is_empty()
        assert r.compute_weekly_order_kpis(con, ALL).is_empty()
        assert r.compute_order_kpis(con, ALL) == {
            "customers": 0, "orders": 0, "revenue": 0.0, "aov": None,
            "purchase_frequency": None, "repeat_purchase_rate": None}
        assert r.compute_churn(con, ALL)["churned_share"] is None
        summary = r.compute_retention_summary(con, ALL)
        assert summary["as_of"] is None and summary["crr"] is None


def test_guest_orders_only():
    guests = ORDERS.with_columns(pl.lit(None, dtype=pl.String).alias("customer_id"))
    with Workspace.from_frames(orders=guests) as ws:
        con = ws.cursor()
        assert r.compute_cohort_table(con, ALL).is_empty()
        kpis = r.compute_order_kpis(con, ALL)
        assert (kpis["orders"], kpis["customers"], kpis["purchase_frequency"]) == (9, 0, None)
        assert r.compute_returning_share(con, ALL).get_column("guest_orders").sum() == 9


def test_date_range_after_the_last_order_is_empty(con):
    assert r.compute_cohort_table(con, Filters(start=date(2026, 6, 1))).is_empty()


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: r.compute_cohort_table(c, ALL, "year"), "Unknown period"),
    (lambda c: r.compute_customer_retention_rate(c, ALL, "month", activity_days=0),
     "activity window"),
    (lambda c: r.compute_churn(c, ALL, churn_days=-5), "churn window"),
    (lambda c: r.compute_cohort_table(c, ALL, "month", as_of="2026-01-01"), "as of"),
    (lambda c: r.compute_cohort_table(c, Filters(start=date(2026, 3, 1)), "month",
                                      as_of=date(2026, 1, 1)), "before the start"),
])
def test_bad_input_is_a_clear_error(con, call, message):
    with pytest.raises(InputError, match=message):
        call(con)


def test_datetime_as_of_is_a_day(con):
    got = r.compute_cohort_table(con, ALL, "month", as_of=datetime(2026, 2, 28, 15, 0))
    assert got.height == 3
