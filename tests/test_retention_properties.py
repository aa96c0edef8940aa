"""Property tests: the retention metrics equal a brute-force Python reference on random
order sets (same-day orders, guests, cancelled orders, gaps, filters, every period)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_retention_reference import Ref

from retention_core.filters import Filters
from retention_core.metrics import retention as r
from retention_core.metrics import segments as s
from retention_core.workspace import Workspace

BASE = datetime(2025, 12, 1)
CUSTOMERS = ["a", "b", "c", "d", "e", "f", "g"]


@st.composite
def order_sets(draw):
    n = draw(st.integers(0, 30))
    orders = []
    for i in range(n):
        day = draw(st.integers(0, 420))
        # a few fixed hours make same-day and same-instant orders common
        hour = draw(st.sampled_from([0, 9, 9, 17, 23]))
        orders.append({
            "order_id": f"o{i:03d}",
            "customer_id": draw(st.sampled_from([*CUSTOMERS, None])),
            "ordered_at": BASE + timedelta(days=day, hours=hour),
            "revenue": draw(st.sampled_from([0.0, 5.5, 10.0, 99.99])),
            "status": draw(st.sampled_from([None, "paid", "paid", "cancelled", "Refunded"])),
            "channel": draw(st.sampled_from(["web", "app", None])),
            "delivered_late": draw(st.sampled_from([True, False, None])),
        })
    return orders


@st.composite
def filter_sets(draw):
    start = end = None
    if draw(st.booleans()):
        start = (BASE + timedelta(days=draw(st.integers(0, 300)))).date()
    if draw(st.booleans()):
        end = (BASE + timedelta(days=draw(st.integers(100, 430)))).date()
        if start and end < start:
            start, end = end, start
    channels = tuple(draw(st.sets(st.sampled_from(["web", "app"]), max_size=1)))
    return Filters(start=start, end=end, channels=channels)


def _workspace(orders):
    frame = pl.DataFrame(orders, schema={
        "order_id": pl.String, "customer_id": pl.String, "ordered_at": pl.Datetime("us"),
        "revenue": pl.Float64, "status": pl.String, "channel": pl.String,
        "delivered_late": pl.Boolean})
    return Workspace.from_frames(orders=frame) if orders else Workspace(":memory:")


def _ref(orders, filters, as_of=None):
    return Ref(orders, start=filters.start, end=filters.end, channels=filters.channels,
               as_of=as_of)


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(orders=order_sets(), filters=filter_sets(), period=st.sampled_from(["week", "month", "quarter"]))
def test_cohort_tables_equal_reference(orders, filters, period):
    ref = _ref(orders, filters)
    with _workspace(orders) as ws:
        con = ws.cursor()
        bounded = r.compute_cohort_table(con, filters, period, unbounded=False)
        unbounded = r.compute_cohort_table(con, filters, period, unbounded=True)
    for table, flag in ((bounded, False), (unbounded, True)):
        got = [(row["cohort"], row["cohort_size"], row["period_index"], row["period_start"],
                row["retained"], row["is_partial"]) for row in table.iter_rows(named=True)]
        want = [(c, n, k, p, kept, part) for _, c, n, k, p, kept, _, part
                in ref.cohort_table(period, flag)]
        assert got == want
    if bounded.height:
        # k = 0 is 100%; unbounded >= bounded cell by cell
        assert bounded.filter(pl.col("period_index") == 0).get_column("rate").to_list() == \
            [1.0] * bounded.filter(pl.col("period_index") == 0).height
        assert (unbounded.get_column("retained") >= bounded.get_column("retained")).all()
        assert (bounded.get_column("retained") <= bounded.get_column("cohort_size")).all()


@SETTINGS
@given(orders=order_sets(), filters=filter_sets(), period=st.sampled_from(["week", "month", "quarter"]),
       window=st.sampled_from([1, 7, 30, 90, 365]))
def test_customer_retention_rate_equals_reference(orders, filters, period, window):
    ref = _ref(orders, filters)
    with _workspace(orders) as ws:
        got = r.compute_customer_retention_rate(ws.cursor(), filters, period, window)
        # the Repeat buying tab's query computes the same series with the returning share
        assert_frame_equal(r.compute_repeat_buying(ws.cursor(), filters, period, window)["crr"],
                           got)
    want = ref.crr(period, window)
    assert got.height == len(want)
    for row, (p, s_, e, n, crr, part) in zip(got.iter_rows(named=True), want, strict=True):
        assert (row["period_start"], row["customers_start"], row["customers_end"],
                row["new_customers"], row["is_partial"]) == (p, s_, e, n, part)
        assert _close(row["crr"], crr)


@st.composite
def many_customer_orders(draw):
    """Up to 60 orders of 25 customers over 420 days, a third of them at midnight: new
    customers keep arriving (N > 0 in late periods) and orders sit on period bounds."""
    return [{"order_id": f"o{i:03d}",
             "customer_id": f"k{draw(st.integers(0, 24))}",
             "ordered_at": BASE + timedelta(days=draw(st.integers(0, 420)),
                                            hours=draw(st.sampled_from([0, 0, 13]))),
             "revenue": 10.0, "status": "paid",
             "channel": draw(st.sampled_from(["web", "app"])), "delivered_late": None}
            for i in range(draw(st.integers(0, 60)))]


@SETTINGS
@given(orders=st.one_of(order_sets(), many_customer_orders()), filters=filter_sets(),
       period=st.sampled_from(["week", "month", "quarter"]),
       window=st.sampled_from([1, 7, 30, 90, 365]),
       as_of_day=st.one_of(st.none(), st.integers(300, 440)))
def test_tile_crr_is_the_latest_complete_period_of_the_reference(orders, filters, period,
                                                                 window, as_of_day):
    """The Retention tile's CRR, counted in the tiles' aggregate for the last complete
    period (or found in the series when that one has none), is the reference's."""
    as_of = None if as_of_day is None else (BASE + timedelta(days=as_of_day)).date()
    if as_of is not None and filters.start is not None and as_of < filters.start:
        as_of = filters.start
    ref = _ref(orders, filters, as_of)
    with _workspace(orders) as ws:
        got = r.compute_retention_tiles(ws.cursor(), filters, 30, as_of, period=period,
                                        activity_days=window)["crr"]
    done = [(p, crr) for p, _, _, _, crr, part in ref.crr(period, window)
            if not part and crr is not None]
    if not done:
        assert got == {"crr": None, "period_start": None}
    else:
        assert got["period_start"] == done[-1][0]
        assert _close(got["crr"], done[-1][1])


@SETTINGS
@given(orders=order_sets(), filters=filter_sets(), period=st.sampled_from(["week", "month", "quarter"]))
def test_returning_share_equals_reference(orders, filters, period):
    ref = _ref(orders, filters)
    with _workspace(orders) as ws:
        got = r.compute_returning_share(ws.cursor(), filters, period)
    want = ref.returning(period)
    assert got.height == len(want)
    for row, w in zip(got.iter_rows(), want, strict=True):
        assert row[:5] == w[:5] and row[-1] == w[-1]
        for a, b in zip(row[5:-1], w[5:-1], strict=True):
            assert _close(a, b)


@SETTINGS
@given(orders=order_sets(), filters=filter_sets(), churn=st.sampled_from([1, 30, 365]),
       as_of_day=st.one_of(st.none(), st.integers(300, 440)))
def test_gaps_churn_and_kpis_equal_reference(orders, filters, churn, as_of_day):
    as_of = None if as_of_day is None else (BASE + timedelta(days=as_of_day)).date()
    if as_of is not None and filters.start is not None and as_of < filters.start:
        as_of = filters.start
    ref = _ref(orders, filters, as_of)
    with _workspace(orders) as ws:
        con = ws.cursor()
        gaps = r.compute_time_between_orders(con, filters, as_of=as_of)
        churned = r.compute_churn(con, filters, churn, as_of=as_of)
        kpis = r.compute_order_kpis(con, filters, as_of=as_of)
        weekly = r.compute_weekly_order_kpis(con, filters, as_of=as_of)
    between, second = ref.gaps()
    assert {row["days"]: row["between_orders"] for row in gaps.iter_rows(named=True)
            if row["between_orders"]} == between
    assert {row["days"]: row["first_to_second"] for row in gaps.iter_rows(named=True)
            if row["first_to_second"]} == second
    want = ref.churn(churn)
    for key in ("customers", "churned", "repeat_customers"):
        assert churned[key] == want[key]
    assert _close(churned["median_days_to_second"], want["median_days_to_second"])
    want_kpis = ref.order_kpis()
    assert set(kpis) == set(want_kpis)
    for key, value in want_kpis.items():
        assert _close(kpis[key], value), key
    want_weekly = ref.weekly_kpis()
    assert weekly.height == len(want_weekly)
    for row, w in zip(weekly.iter_rows(named=True), want_weekly, strict=True):
        for key, value in w.items():
            assert _close(row[key], value) if key != "week" else row[key] == value, key


def _late_segment(first_order):
    value = first_order.get("delivered_late")
    return "(unknown)" if value is None else ("late" if value else "on time")


@SETTINGS
@given(orders=order_sets(), filters=filter_sets(), period=st.sampled_from(["week", "month", "quarter"]),
       unbounded=st.booleans())
def test_segment_cohorts_equal_reference(orders, filters, period, unbounded):
    ref = _ref(orders, filters)
    with _workspace(orders) as ws:
        got = s.compute_segment_cohorts(ws.cursor(), filters, "delivered_late", period, unbounded)
    rows = [(row["segment"], row["cohort"], row["cohort_size"], row["period_index"],
             row["retained"]) for row in got.iter_rows(named=True)]
    want = [(seg, c, n, k, kept) for seg, c, n, k, _, kept, _, _
            in ref.cohort_table(period, unbounded, segment_of=_late_segment)]
    assert sorted(rows) == sorted(want)


# as of = 2025-12-01 + 100 days = Wednesday 2026-03-11: its week starts Monday 03-09
@pytest.mark.parametrize(("period", "last_start"), [("week", date(2026, 3, 9)),
                                                    ("month", date(2026, 3, 1)),
                                                    ("quarter", date(2026, 1, 1))])
def test_as_of_cuts_later_orders(period, last_start):
    # an explicit as-of gives the table of the data with later orders removed (at that date)
    orders = [{"order_id": f"o{i}", "customer_id": c, "ordered_at": BASE + timedelta(days=d),
               "revenue": 1.0, "status": None, "channel": "web", "delivered_late": None}
              for i, (c, d) in enumerate([("a", 0), ("a", 40), ("b", 35), ("a", 95), ("b", 200)])]
    as_of = (BASE + timedelta(days=100)).date()
    with _workspace(orders) as ws:
        cut = r.compute_cohort_table(ws.cursor(), Filters(), period, as_of=as_of)
    with _workspace([o for o in orders if o["ordered_at"].date() <= as_of]) as ws:
        full = r.compute_cohort_table(ws.cursor(), Filters(), period, as_of=as_of)
    assert cut.equals(full)
    assert cut.get_column("period_start").max() == last_start
    assert cut.filter(pl.col("period_start") == last_start).get_column("is_partial").all()
