"""Overview KPIs per period against a brute-force computation in plain Python."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_order_facts import SCHEMA
from test_retention_properties import filter_sets, order_sets

from retention_core.filters import Filters
from retention_core.metrics.common import period_start
from retention_core.metrics.overview import compute_period_order_kpis, last_complete_period
from retention_core.workspace import Workspace


def _random_orders(seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(rnd.randint(1, 40)):
        rows.append({
            "order_id": f"o{i}",
            "customer_id": rnd.choice([None, "a", "b", "c", "d", "e"]),
            "ordered_at": datetime(2026, 1, 1) + timedelta(days=rnd.randint(0, 120), hours=rnd.randint(0, 23)),
            "revenue": float(rnd.randint(1, 100)),
            "status": rnd.choice(["paid", "paid", "paid", "cancelled"]),
        })
    return rows


def _reference(rows: list[dict], period: str) -> dict[date, dict]:
    kept = sorted((r for r in rows if r["status"] != "cancelled"),
                  key=lambda r: (r["ordered_at"], r["order_id"]))
    out: dict[date, dict] = {}
    first_period: dict[str, date] = {}
    seen_orders: dict[str, int] = defaultdict(int)
    revenue_to_date = 0.0
    periods = sorted({period_start(r["ordered_at"].date(), period) for r in kept})
    for p in periods:
        in_p = [r for r in kept if period_start(r["ordered_at"].date(), period) == p]
        customers = {}
        for r in in_p:
            c = r["customer_id"]
            if c is None:
                continue
            seen_orders[c] += 1
            first_period.setdefault(c, p)
            customers[c] = seen_orders[c]
            revenue_to_date += r["revenue"]
        to_date = len(first_period)
        out[p] = {
            "revenue": sum(r["revenue"] for r in in_p),
            "orders": len(in_p),
            "customers": len(customers),
            "new_customers": sum(1 for c in customers if first_period[c] == p),
            "returning_customers": sum(1 for c in customers if first_period[c] < p),
            "aov": sum(r["revenue"] for r in in_p) / len(in_p),
            "repeat_purchase_rate": (sum(1 for n in customers.values() if n >= 2) / len(customers)
                                     if customers else None),
            "average_clv": revenue_to_date / to_date if to_date else None,
        }
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100_000), st.sampled_from(["week", "month", "quarter"]))
def test_period_kpis_match_brute_force(seed, period):
    rows = _random_orders(seed)
    ws = Workspace.from_frames(orders=pl.DataFrame(rows))
    from retention_core.metrics.overview import _order_series

    expected = _reference(rows, period)
    # the query of their own, and the Overview's window pass shared with the retention rate
    for got in (compute_period_order_kpis(ws.cursor(), Filters(), period),
                _order_series(ws.cursor(), Filters(), period)[0]):
        assert got.get_column("period_start").to_list() == sorted(expected)
        for row in got.iter_rows(named=True):
            exp = expected[row["period_start"]]
            for key, value in exp.items():
                assert row[key] == pytest.approx(value), (key, row["period_start"])


def test_hand_worked_week():
    # week of 2026-01-05: a orders twice (10 + 20), a guest orders once (5)
    # week of 2026-01-12: a once (30), b once (40, new)
    rows = pl.DataFrame({
        "order_id": ["1", "2", "3", "4", "5"],
        "customer_id": ["a", "a", None, "a", "b"],
        "ordered_at": [datetime(2026, 1, 5), datetime(2026, 1, 6), datetime(2026, 1, 7),
                       datetime(2026, 1, 12), datetime(2026, 1, 13)],
        "revenue": [10.0, 20.0, 5.0, 30.0, 40.0],
    })
    got = compute_period_order_kpis(Workspace.from_frames(orders=rows).cursor(), Filters(), "week")
    w1, w2 = got.iter_rows(named=True)
    assert (w1["revenue"], w1["orders"], w1["customers"], w1["new_customers"]) == (35.0, 3, 1, 1)
    assert w1["aov"] == pytest.approx(35 / 3)
    assert w1["repeat_purchase_rate"] == 1.0  # a has 2 orders by the week's end
    assert w1["average_clv"] == 30.0  # guests are not customers
    assert (w2["new_customers"], w2["returning_customers"]) == (1, 1)
    assert w2["repeat_purchase_rate"] == 0.5  # a (3 orders) yes, b (1) no
    assert w2["average_clv"] == pytest.approx((10 + 20 + 30 + 40) / 2)


def test_last_complete_period():
    assert last_complete_period(date(2026, 11, 23), "week") == date(2026, 11, 16)  # a Monday
    assert last_complete_period(date(2026, 11, 22), "week") == date(2026, 11, 9)
    assert last_complete_period(date(2026, 3, 1), "month") == date(2026, 2, 1)
    assert last_complete_period(date(2026, 1, 15), "quarter") == date(2025, 10, 1)


def _order(i, customer, day, revenue, channel="web", device="desktop"):
    return {"order_id": str(i), "customer_id": customer, "ordered_at": datetime(2026, 1, day, 12),
            "revenue": revenue, "channel": channel, "device": device, "country": "PL"}


def test_tiles_compare_the_last_complete_week_with_the_one_before():
    from retention_core.metrics.overview import compute_overview

    rows = [
        _order(1, "a", 5, 10.0), _order(2, "b", 6, 20.0),                            # week A
        _order(3, "a", 12, 30.0), _order(4, "c", 13, 10.0), _order(5, "d", 14, 20.0),  # week B
        _order(6, "e", 20, 99.0),                                                    # partial week
    ]
    ws = Workspace.from_frames(orders=pl.DataFrame(rows))
    overview = compute_overview(ws.cursor(), Filters(), "week")
    assert overview.as_of == date(2026, 1, 20)
    assert overview.current_start == date(2026, 1, 12)
    tiles = {t["key"]: t for t in overview.tiles}
    assert (tiles["revenue"]["value"], tiles["revenue"]["previous"]) == (60.0, 30.0)
    assert tiles["revenue"]["delta_text"] == "+100.0% vs previous"
    assert tiles["aov"]["value"] == pytest.approx(20.0) and tiles["aov"]["previous"] == 15.0
    assert tiles["aov"]["delta_text"] == "+33.3% vs previous"
    assert (tiles["new_customers"]["value"], tiles["returning_customers"]["value"]) == (2, 1)
    # week B: a has 2 orders to date, c and d one each -> 1/3; week A: nobody -> 0
    assert tiles["repeat_purchase_rate"]["value"] == pytest.approx(1 / 3)
    assert tiles["repeat_purchase_rate"]["delta_text"] == "+33.3 pts vs previous"
    assert tiles["repeat_purchase_rate"]["tone"] == "good"
    # missing sources are shown as missing, not as zero
    for key in ("nps", "csat", "cart_abandonment_rate"):
        assert tiles[key]["available"] is False and tiles[key]["value"] is None
    assert tiles["nps"]["missing_reason"] == "no survey answers imported"
    assert tiles["cart_abandonment_rate"]["missing_reason"] == "no funnel events imported"
    # the partial week is in the series but never in the tiles
    assert overview.series.get_column("period_start").max() == date(2026, 1, 19)


def test_what_changed_names_the_segment_that_caused_the_fall():
    from retention_core.metrics.overview import compute_overview

    rows, i = [], 0
    for day, ads_mobile in ((6, 10), (13, 5)):  # week A, week B: only ads on mobile falls
        for channel, device in (("ads", "mobile"), ("ads", "desktop"), ("email", "mobile"),
                                ("email", "desktop")):
            for _ in range(ads_mobile if (channel, device) == ("ads", "mobile") else 10):
                i += 1
                rows.append(_order(i, f"c{i}", day, 10.0, channel=channel, device=device))
    rows.append(_order(999, "z", 19, 1.0, channel="email"))  # makes week B complete
    ws = Workspace.from_frames(orders=pl.DataFrame(rows))
    overview = compute_overview(ws.cursor(), Filters(), "week")
    orders_sentence = next(s for s in overview.sentences if s.startswith("Orders"))
    # 40 -> 35 orders = -12.5%, all of it from ads on mobile (the other three unchanged),
    # so neither "ads" nor "mobile" alone is the answer
    assert orders_sentence == ("Orders fell 12.5% (40 → 35); orders through ads on mobile "
                               "account for 100% of the fall.")


def test_what_changed_stops_at_the_sentences_shown(monkeypatch):
    """Only MAX_SENTENCES movements are told: the records of the movements after them are
    not queried, and the sentences are those of the full list cut to the first four."""
    from retention_core.demo import generate_demo
    from retention_core.metrics import overview as ov

    ws = Workspace.from_frames(**generate_demo(customers=1500, seed=3))
    queried = []
    original = ov.change_records

    def counting(con, filters, kpi, *args, **kwargs):
        queried.append(kpi)
        return original(con, filters, kpi, *args, **kwargs)

    monkeypatch.setattr(ov, "change_records", counting)
    shown = ov.compute_overview(ws.cursor(), Filters(), "week")
    asked_shown = list(queried)
    monkeypatch.setattr(ov, "MAX_SENTENCES", 100)
    queried.clear()
    everything = ov.compute_overview(ws.cursor(), Filters(), "week")
    moved = [t for t in everything.tiles if t["size"] >= ov.MIN_MOVEMENT]
    assert len(moved) > 4 and len(everything.sentences) > 4  # the case being tested
    assert shown.sentences == everything.sentences[:4]
    assert len(asked_shown) < len(queried)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=order_sets(), filters=filter_sets(),
       period=st.sampled_from(["week", "month", "quarter"]))
def test_order_series_in_one_pass_equal_the_two_queries(orders, filters, period):
    """Without a date range start the Overview takes its order KPIs and customer retention
    rate from one window pass (overview/order_series.sql): the same frames as the two
    queries (each checked against brute force), on order_facts and on mounted orders."""
    from retention_core.metrics.overview import _order_series
    from retention_core.metrics.retention import compute_customer_retention_rate

    if not orders:
        return
    filters = Filters(None, filters.end, filters.channels)
    frame = pl.DataFrame(orders, schema=SCHEMA)
    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        for con in (stored.cursor(), mounted.cursor()):
            kpis, crr = _order_series(con, filters, period)
            assert_frame_equal(kpis, compute_period_order_kpis(con, filters, period),
                               check_exact=False, rel_tol=1e-12)
            assert_frame_equal(crr, compute_customer_retention_rate(con, filters, period),
                               check_exact=False, rel_tol=1e-12)


def _records_reference(orders, filters: Filters, period: str, current: date,
                       previous: date) -> tuple[dict, dict]:
    """Order and customer records of the two periods in plain Python (SPEC "what changed":
    orders of the periods by segment; their customers by the segment of their first order
    in scope)."""
    from test_retention_reference import kept, passes_dims

    def in_scope(o) -> bool:
        day = o["ordered_at"].date()
        return ((filters.start is None or day >= filters.start)
                and (filters.end is None or day <= filters.end)
                and passes_dims(o, filters.channels))

    def segment(o) -> tuple:
        return (o.get("channel"), o.get("country"), o.get("device"))

    scoped = sorted((o for o in kept(orders) if in_scope(o)),
                    key=lambda o: (o["ordered_at"], o["order_id"]))
    orders_out: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    first: dict[str, dict] = {}
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for o in scoped:
        p = period_start(o["ordered_at"].date(), period)
        if o["customer_id"] is not None:
            first.setdefault(o["customer_id"], o)
        if p not in (current, previous):
            continue
        row = orders_out[(p == current, *segment(o))]
        row[0] += o["revenue"]
        row[1] += 1
        if o["customer_id"] is not None:
            counts[(p, o["customer_id"])] += 1
    customers_out: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * 4)
    for (p, customer), n in counts.items():
        first_period = period_start(first[customer]["ordered_at"].date(), period)
        row = customers_out[(p == current, *segment(first[customer]))]
        row[0] += 1
        row[1] += first_period == p
        row[2] += first_period < p
        row[3] += first_period < p or n >= 2
    return dict(orders_out), dict(customers_out)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=order_sets(), filters=filter_sets(),
       periods_at=st.one_of(st.integers(0, 430), st.sampled_from(["start", "end", "after start"])),
       period=st.sampled_from(["week", "month", "quarter"]))
def test_change_records_match_brute_force(orders, filters, periods_at, period):
    """The records behind "what changed" (order and customer records of two periods) equal
    a plain-Python count, with any date range (its start or end inside either period
    too), on order_facts and on mounted orders."""
    from test_retention_properties import BASE

    from retention_core.metrics.common import next_period_start
    from retention_core.metrics.overview import change_records

    day = (BASE + timedelta(days=periods_at)).date() if isinstance(periods_at, int) else None
    if periods_at in ("start", "after start"):  # the range starts in the current / previous
        day = filters.start and (filters.start if periods_at == "start"
                                 else next_period_start(filters.start, period))
    elif periods_at == "end":  # the range ends in the current period
        day = filters.end
    current = period_start(day or BASE.date(), period)
    previous = period_start(current - timedelta(days=1), period)
    want_orders, want_customers = _records_reference(orders, filters, period, current, previous)
    frame = pl.DataFrame(orders, schema=SCHEMA)

    def _records(con, kpi: str, columns: tuple[str, ...]) -> dict:
        records = change_records(con, filters, kpi, period, current, previous)
        return {(r["is_current"], r["channel"], r["country"], r["device"]):
                pytest.approx([r[c] for c in columns]) for r in records.iter_rows(named=True)}

    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        for con in (stored.cursor(), mounted.cursor()):
            assert _records(con, "revenue", ("revenue", "order_count")) == want_orders
            assert _records(con, "new_customers", ("customer_count", "is_new", "is_returning",
                                                   "is_repeat")) == want_customers
