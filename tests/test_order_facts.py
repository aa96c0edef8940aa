"""The derived ``order_facts`` table (integer customer keys, retention_core/derived/orders.py)
gives exactly the numbers of the canonical orders: every query that reads it through
``customer_orders_sql`` is run on a workspace that has the table and on one that serves
the same orders mounted from a frame (no derived tables, the canonical path)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_retention_properties import BASE, filter_sets, order_sets

from retention_core import derived
from retention_core.errors import RetentionError
from retention_core.filters import Filters
from retention_core.metrics import clv, historic_value, overview
from retention_core.metrics import retention as r
from retention_core.metrics.common import data_bounds
from retention_core.metrics.retention_scope import latest_order_date, resolve_scope
from retention_core.workspace import Workspace

SCHEMA = {"order_id": pl.String, "customer_id": pl.String, "ordered_at": pl.Datetime("us"),
          "revenue": pl.Float64, "status": pl.String, "channel": pl.String,
          "delivered_late": pl.Boolean}


def _results(con, filters: Filters, as_of: date) -> dict:
    """Every result that reads order_facts when it exists."""
    out = {
        "crr": r.compute_customer_retention_rate(con, filters, "month", 30, as_of=as_of),
        "cohorts": r.query_cohorts(con, filters, "month", as_of=as_of),
        "cohorts_unbounded_weeks": r.query_cohorts(con, filters, "week", True, as_of=as_of),
        "returning": r.compute_returning_share(con, filters, "week", as_of=as_of),
        "repeat": r.compute_repeat_buying(con, filters, "quarter", 60, as_of=as_of),
        "gaps": r.compute_time_between_orders(con, filters, as_of=as_of),
        "churn": r.compute_churn(con, filters, 60, as_of=as_of),
        "tiles": r.compute_retention_tiles(con, filters, 60, as_of, period="week",
                                           activity_days=30),
        "kpis": r.compute_order_kpis(con, filters, as_of=as_of),
        "weekly": r.compute_weekly_order_kpis(con, filters, as_of=as_of),
        "bounds": clv.order_date_bounds(con, filters),
        "latest": latest_order_date(con),
        "data_bounds": data_bounds(con),
        "default_scope": resolve_scope(con, filters, "month"),
        # a split by an attribute order_facts holds runs on it, any other on orders
        "segments_channel": r.query_cohorts(con, filters, "month", as_of=as_of,
                                            dimension="channel"),
        "segments_late": r.query_cohorts(con, filters, "week", True, as_of=as_of,
                                         dimension="delivered_late"),
    }
    for period in ("week", "quarter"):
        out[f"period_kpis_{period}"] = overview.compute_period_order_kpis(con, filters, period)
    for kpi in ("revenue", "new_customers", "repeat_purchase_rate"):  # order, customer records
        records = overview.change_records(con, filters, kpi, "month", date(2024, 3, 1),
                                          date(2024, 2, 1))
        out[f"records_{kpi}"] = records.sort(pl.all())
    if out["bounds"] is not None:
        out["value"] = historic_value.compute_value_overview(con, filters)
        out["cohort_value"] = historic_value.compute_cohort_value(con, filters, "month")
        out["simple"] = historic_value.compute_simple_clv(con, filters)
        end = out["bounds"][1]
        out["days"] = clv._summary_and_daily(con, filters, out["bounds"], end - timedelta(30),
                                             "day", None)[1]
        try:  # the model validation or why it cannot run (the fit: test below)
            out["validation"] = clv.validate_clv_model(con, filters, end - timedelta(30), "day")
        except RetentionError as error:
            out["validation"] = f"{type(error).__name__}: {error}"
    return out


# A model fit stops within a gradient tolerance of the optimum, so its parameters move by
# ~1e-9 relative when the sums it reads differ in their last bits (order_facts sums a
# customer's purchase days in time order, DuckDB's aggregates in its own order).
FIT_TOLERANCE = 1e-6


def _assert_same(got, want, where: str, rel: float = 1e-9) -> None:
    if where.endswith(".validation"):
        rel = FIT_TOLERANCE
    if isinstance(got, pl.DataFrame):
        assert_frame_equal(got, want, check_exact=False, rel_tol=rel, abs_tol=1e-9)
    elif isinstance(got, dict):
        assert got.keys() == want.keys(), where
        for key in got:
            _assert_same(got[key], want[key], f"{where}.{key}", rel)
    elif isinstance(got, float):
        assert got == pytest.approx(want, rel=rel, abs=1e-9), where
    else:
        assert got == want, where


@st.composite
def orders_with_shuffled_ids(draw):
    """order_sets() with the order ids in a random order, not the rows' order: same-time
    orders of a customer (common there) must go by order_id, not by where they are stored."""
    orders = draw(order_sets())
    ids = draw(st.permutations([o["order_id"] for o in orders]))
    return [{**o, "order_id": i} for o, i in zip(orders, ids, strict=True)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders_with_shuffled_ids(), filters=filter_sets(),
       as_of_day=st.integers(200, 420))
def test_order_facts_give_the_canonical_numbers(orders, filters, as_of_day):
    if not orders:
        return
    frame = pl.DataFrame(orders, schema=SCHEMA)
    as_of = max((BASE + timedelta(days=as_of_day)).date(), filters.start or date.min)
    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        assert derived.available(stored.cursor(), "order_facts")
        assert not derived.available(mounted.cursor(), "order_facts")
        fast = _results(stored.cursor(), filters, as_of)
        slow = _results(mounted.cursor(), filters, as_of)
    _assert_same(fast, slow, "results")


def test_model_validation_on_keys_equals_the_canonical_path():
    """validate_clv_model reads its RFM summary by integer key: the same fit, predictions
    and holdout figures as on the canonical orders (400 customers over a year, enough to
    fit; the property test above mostly sees shops too small to fit)."""
    import random

    rnd = random.Random(7)
    rows = []
    for c in range(400):
        day, spend = rnd.randint(0, 200), rnd.gammavariate(3, 15)  # customers differ

        while day < 400:
            rows.append({"order_id": f"o{len(rows)}", "customer_id": f"c{c}",
                         "ordered_at": BASE + timedelta(days=day, hours=rnd.choice([9, 17])),
                         "revenue": round(spend * rnd.uniform(0.7, 1.3), 2), "status": "paid",
                         "channel": rnd.choice(["web", "app"]), "delivered_late": None})
            day += int(rnd.expovariate(1 / 60)) + 1 if rnd.random() < 0.85 else 400
    frame = pl.DataFrame(rows, schema=SCHEMA)
    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        for filters in (Filters(), Filters(channels=("web",))):
            end = (BASE + timedelta(300)).date()
            fast = clv.validate_clv_model(stored.cursor(), filters, end, "week")
            slow = clv.validate_clv_model(mounted.cursor(), filters, end, "week")
            assert fast["repeat_customers"] > 50
            _assert_same(fast, slow, "validation", FIT_TOLERANCE)


def test_order_facts_follow_imports_and_deletes(tmp_path):
    """Rebuilt in the transaction that changes the orders: a later import's orders count."""
    rows = [{"order_id": f"o{i}", "customer_id": c, "ordered_at": BASE + timedelta(days=d),
             "revenue": 10.0, "status": "paid", "channel": "web", "delivered_late": None}
            for i, (c, d) in enumerate([("a", 0), ("a", 40), ("b", 3), (None, 5)])]
    with Workspace.from_frames(path=tmp_path / "w.duckdb",
                               orders=pl.DataFrame(rows[:2], schema=SCHEMA)) as ws:
        assert r.compute_order_kpis(ws.cursor(), Filters())["customers"] == 1
        ws.import_frame("orders", pl.DataFrame(rows, schema=SCHEMA), file_name="more.csv")
        kpis = r.compute_order_kpis(ws.cursor(), Filters())
        assert (kpis["customers"], kpis["orders"]) == (2, 4)
        rows = ws.cursor().execute("select count(*), count(customer_key), "
                                   "count(distinct customer_key) from order_facts").fetchall()
        assert rows == [(4, 3, 2)]


def test_order_facts_rank_each_customers_orders_by_time_then_order_id():
    """The row number of order_facts (``order_id`` in scoped_order_facts) ranks each
    customer's orders by (ordered_at, order_id), also when DuckDB sorts and inserts in
    parallel: 300k orders (several row groups) on 4 threads, 60 orders per customer over
    50 days (same-time ties everywhere), order ids unrelated to the rows' order. The
    revenue is the order's number, so each stored row can be traced to its order."""
    n = 300_000
    orders = [(f"x{(i * 7919) % n:06d}", f"c{(i * 31) % 5000}",
               BASE + timedelta(days=(i * 13) % 50), float(i)) for i in range(n)]
    frame = pl.DataFrame(orders, schema=["order_id", "customer_id", "ordered_at", "revenue"],
                         orient="row")
    with Workspace.from_frames(orders=frame) as ws:
        cur = ws.cursor()
        cur.execute("set threads = 4")
        derived.refresh(cur, ["orders"])
        stored = cur.execute(
            "select customer_id, order_id, revenue "
            "from scoped_order_facts(null, null, null, null, null)").fetchall()
    got: dict[int, list[float]] = {}
    for key, _, revenue in sorted(stored, key=lambda row: row[1]):
        got.setdefault(key, []).append(revenue)
    want: dict[str, list[float]] = {}
    for _, customer, _, revenue in sorted(orders, key=lambda o: (o[2], o[0])):
        want.setdefault(customer, []).append(revenue)
    assert sorted(got.values()) == sorted(want.values())


@st.composite
def answer_sets(draw):
    """NPS answers of the same customers (and some who never ordered), some undated."""
    answers = []
    for i in range(draw(st.integers(0, 15))):
        day = draw(st.one_of(st.none(), st.integers(0, 420)))
        answers.append({
            "response_id": f"r{i:03d}",
            "customer_id": draw(st.sampled_from(["a", "b", "c", "d", "x", None])),
            "responded_at": None if day is None else BASE + timedelta(days=day, hours=12),
            "survey": "nps",
            "score": draw(st.integers(0, 10)),
        })
    return answers


ANSWER_SCHEMA = {"response_id": pl.String, "customer_id": pl.String,
                 "responded_at": pl.Datetime("us"), "survey": pl.String, "score": pl.Int64}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=order_sets(), answers=answer_sets(), filters=filter_sets(),
       window=st.sampled_from([None, 30, 200]))
def test_outcomes_after_answer_by_key_equal_the_canonical_path(orders, answers, filters, window):
    from retention_core.metrics.satisfaction import compute_outcomes_after_answer

    if not orders or not answers:
        return
    frame = pl.DataFrame(orders, schema=SCHEMA)
    surveys = pl.DataFrame(answers, schema=ANSWER_SCHEMA)
    with Workspace.from_frames(orders=frame, surveys=surveys) as stored, \
            Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        mounted.import_frame("surveys", surveys, file_name="surveys.csv")
        assert derived.available(stored.cursor(), "customer_keys")
        assert not derived.available(mounted.cursor(), "customer_keys")
        fast = compute_outcomes_after_answer(stored.cursor(), filters, "nps", window)
        slow = compute_outcomes_after_answer(mounted.cursor(), filters, "nps", window)
    _assert_same(fast, slow, "outcomes")
