"""``order_facts`` and ``customer_keys`` brought up to date in place after an import or a
deleted import (``update`` in retention_core/derived/orders.py): they must hold what a
rebuild from the same orders holds, in an order the readers rely on (keys ascending,
each customer's orders together in (ordered_at, order_id) order), and every metric read
from them must not change."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_order_facts import SCHEMA, _assert_same, _results
from test_retention_properties import BASE
from testkit import count_builds, updated_and_rebuilt

from retention_core.derived import orders as derived_orders
from retention_core.filters import Filters
from retention_core.metrics.common import data_bounds
from retention_core.metrics.retention_scope import latest_order_date
from retention_core.workspace import Workspace

CUSTOMERS = ["a", "b", "c", "d", "e", "f", None]


@pytest.fixture
def builds(monkeypatch):
    """Counts of rebuilds and in-place updates (testkit.count_builds)."""
    return count_builds(monkeypatch, "orders", derived_orders)


def _batch(draw) -> pl.DataFrame:
    """One export: orders with ids from a small pool, so later exports change earlier
    orders (customer, time, status, channel) and add new ones; same-time orders common."""
    ids = draw(st.lists(st.integers(0, 30), max_size=20, unique=True))
    rows = [{
        "order_id": f"o{i:03d}",
        "customer_id": draw(st.sampled_from(CUSTOMERS)),
        "ordered_at": BASE + timedelta(days=draw(st.integers(0, 400)),
                                       hours=draw(st.sampled_from([0, 9, 9, 17]))),
        "revenue": draw(st.sampled_from([0.0, 5.5, 10.0, 99.99])),
        "status": draw(st.sampled_from([None, "paid", "paid", "cancelled"])),
        "channel": draw(st.sampled_from(["web", "app", None])),
        "delivered_late": None,
    } for i in ids]
    return pl.DataFrame(rows, schema=SCHEMA)


@st.composite
def change_sequences(draw):
    """("import", frame) and ("delete", n): delete the n-th import still present."""
    steps = [("import", _batch(draw))]
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.integers(0, 3)) == 0:
            steps.append(("delete", draw(st.integers(0, 10))))
        else:
            steps.append(("import", _batch(draw)))
    return steps


def _apply(ws: Workspace, steps) -> int:
    """Run the steps; the number of them that changed orders already stored (each of
    those must update the derived tables in place, the others build them)."""
    alive: list[int] = []
    on_stored = 0
    for step, arg in steps:
        if step == "import" and arg.height:
            on_stored += ws.has("orders")
            alive.append(ws.import_frame("orders", arg, file_name="export.csv").import_id)
        elif step == "delete" and alive:
            on_stored += 1
            ws.delete_import(alive.pop(arg % len(alive)))
    return on_stored


def _facts(cur) -> tuple[dict, list]:
    """Each customer's rows of order_facts in row order (by customer_id, not key), and
    the guests' rows sorted; checks the order the readers rely on on the way."""
    rows = cur.execute(
        "select k.customer_id, f.customer_key, f.ordered_at, f.revenue, f.channel "
        "from order_facts as f left join customer_keys as k using (customer_key) "
        "order by f.rowid").fetchall()
    keyed = [r for r in rows if r[1] is not None]
    keys = [r[1] for r in keyed]
    assert keys == sorted(keys), "keyed rows out of key order"
    per_customer: dict[str, list] = {}
    for customer, key, *rest in keyed:
        assert customer is not None, f"key {key} has no customer in customer_keys"
        per_customer.setdefault(customer, []).append(tuple(rest))
    pairs = cur.execute("select customer_id, count(*), count(distinct customer_key) "
                        "from customer_keys group by all").fetchall()
    assert all(n == distinct == 1 for _, n, distinct in pairs), "a customer with two keys"
    assert {p[0] for p in pairs} == set(per_customer), "keys of customers without facts"
    guests = sorted((tuple(r[2:]) for r in rows if r[1] is None), key=repr)
    return per_customer, guests


# the builds fixture only counts (and lifts UPDATE_SHARE): one for all examples is fine
@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=change_sequences())
def test_updated_facts_equal_a_rebuild(builds, steps):
    got, want = updated_and_rebuilt(builds, _apply, steps, "orders",
                                    lambda ws: _facts(ws.cursor()))
    assert got == want


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(steps=change_sequences(), as_of_day=st.integers(200, 420))
def test_metrics_after_updates_equal_the_canonical_path(builds, steps, as_of_day):
    """Every query that reads order_facts, after in-place updates, against the same
    orders mounted from a frame (no derived tables: the canonical SQL)."""
    as_of = (BASE + timedelta(days=as_of_day)).date()
    with Workspace(":memory:") as ws:
        _apply(ws, steps)
        cur = ws.cursor()
        stored = cur.sql("select * exclude (import_id) from orders").pl()
        if not stored.height:
            return
        with Workspace(":memory:") as mounted:
            mounted.mount_frame("orders", stored.drop("is_excluded"), file_name="o.parquet")
            for filters in (Filters(), Filters(channels=("web",))):
                _assert_same(_results(cur, filters, as_of),
                             _results(mounted.cursor(), filters, as_of), "results")


def _orders(rows) -> pl.DataFrame:
    return pl.DataFrame([{"order_id": o, "customer_id": c,
                          "ordered_at": BASE + timedelta(days=d), "revenue": float(v),
                          "status": s, "channel": "web", "delivered_late": None}
                         for o, c, d, v, s in rows], schema=SCHEMA)


def test_a_weeks_import_updates_instead_of_rebuilding(builds):
    """An import, a re-import that changes nothing, a change of customer and status, a
    new guest order, then deleting an import: each updates the tables in place (no
    rebuild after the first import), and the figures follow."""
    first = [("o1", "a", 0, 10, "paid"), ("o2", "a", 30, 20, "paid"),
             ("o3", "b", 5, 30, "paid"), ("o4", None, 6, 40, "paid")]
    with Workspace(":memory:") as ws:
        builds.update(build=0, update=0)  # (opening built the empty tables)
        ws.import_frame("orders", _orders(first), file_name="week1.csv")
        assert builds == {"build": 1, "update": 0}
        ws.import_frame("orders", _orders(first), file_name="week1.csv")  # unchanged
        assert builds == {"build": 1, "update": 1}
        # o2 moves from a to c, o3 is cancelled, a new guest order
        later = ws.import_frame("orders", _orders([
            ("o2", "c", 30, 20, "paid"), ("o3", "b", 5, 30, "cancelled"),
            ("o5", None, 50, 50, "paid")]), file_name="week2.csv")
        assert builds == {"build": 1, "update": 2}
        per_customer, guests = _facts(ws.cursor())
        assert {c: [r[1] for r in rows] for c, rows in per_customer.items()} == {
            "a": [10.0], "c": [20.0]}
        assert [g[1] for g in guests] == [40.0, 50.0]
        # the stored first and last order times follow (o5, day 50, is the latest now)
        assert data_bounds(ws.cursor()) == (BASE.date(), (BASE + timedelta(50)).date())
        assert latest_order_date(ws.cursor()) == (BASE + timedelta(50)).date()
        ws.delete_import(later.import_id)  # o2, o3 and o5 go (the rows week2 wrote)
        assert builds == {"build": 1, "update": 3}
        per_customer, guests = _facts(ws.cursor())
        assert {c: [r[1] for r in rows] for c, rows in per_customer.items()} == {"a": [10.0]}
        assert [g[1] for g in guests] == [40.0]
        assert latest_order_date(ws.cursor()) == (BASE + timedelta(6)).date()  # o4


def test_a_large_change_rebuilds():
    """Past UPDATE_SHARE of the customers touched, the tables are rebuilt (compact, keys
    from 1 again); below it, updated (keys above the largest in use)."""
    rows = [(f"o{i}", f"c{i}", i, i, "paid") for i in range(10)]
    with Workspace(":memory:") as ws:
        ws.import_frame("orders", _orders(rows), file_name="all.csv")
        one = [(f"o{i}", f"c{i}", i + 1, i, "paid") for i in range(1)]  # 1 of 10 touched
        ws.import_frame("orders", _orders(one), file_name="one.csv")
        keys = ws.cursor().execute("select max(customer_key), count(*) from customer_keys")
        assert keys.fetchall() == [(11, 10)]  # c0 got a new key, 11
        many = [(f"o{i}", f"c{i}", i + 2, i, "paid") for i in range(3)]  # 3 of 10 > 0.2
        ws.import_frame("orders", _orders(many), file_name="many.csv")
        keys = ws.cursor().execute("select max(customer_key), count(*) from customer_keys")
        assert keys.fetchall() == [(10, 10)]


def test_deleting_most_of_the_orders_rebuilds(monkeypatch):
    """A deleted import holding most of the rows is not staged row by row (the tables are
    rebuilt: keys from 1 again), however few customers the builder would let it update."""
    monkeypatch.setattr(derived_orders, "UPDATE_SHARE", 1e9)
    rows = [(f"o{i}", f"c{i}", i, i, "paid") for i in range(10)]
    with Workspace(":memory:") as ws:
        big = ws.import_frame("orders", _orders(rows[:8]), file_name="big.csv")
        ws.import_frame("orders", _orders(rows[8:]), file_name="small.csv")
        assert ws.cursor().execute("select max(customer_key) from customer_keys"
                                   ).fetchall() == [(10,)]  # c8, c9 appended: 9 and 10
        ws.delete_import(big.import_id)
        keys = ws.cursor().execute("select customer_id, customer_key from customer_keys "
                                   "order by 1").fetchall()
    assert sorted(k for _, k in keys) == [1, 2] and [c for c, _ in keys] == ["c8", "c9"]


def test_the_first_orders_ranks_follow_updates(builds):
    """The row number ranks each customer's orders by (ordered_at, order_id) after
    updates too: same-time orders whose ids sort against the order they arrive in,
    traced by their revenue (unique)."""
    with Workspace(":memory:") as ws:
        ws.import_frame("orders", _orders([("x9", "a", 3, 1, "paid"), ("x5", "b", 1, 2, "paid")]),
                        file_name="1.csv")
        ws.import_frame("orders", _orders([("x1", "a", 3, 3, "paid"), ("x7", "a", 2, 4, "paid"),
                                           ("x5", "a", 1, 5, "paid")]), file_name="2.csv")
        rows = ws.cursor().execute(
            "select revenue from scoped_order_facts(null, null, null, null, null) "
            "where customer_id = (select customer_key from customer_keys "
            "where customer_id = 'a') order by order_id").fetchall()
    assert builds["update"] == 1
    # a: x5 (day 1), x7 (day 2), then x1 and x9 on day 3, x1 first by id
    assert [r[0] for r in rows] == [5.0, 4.0, 3.0, 1.0]


def test_guest_orders_change_one_by_one(builds):
    """Guest rows carry no id: one row per changed guest order goes, matched by its values,
    even when other guest orders have the very same values (g1, g3, the new g6, the
    cancelled g7); excluded orders never had a row, new versions are not matched."""
    first = [("g1", None, 4, 10, "paid"), ("g2", None, 4, 10, "paid"),
             ("g3", None, 4, 10, "paid"), ("g4", None, 5, 20, "cancelled"),
             ("g7", None, 4, 10, "cancelled"), ("o1", "a", 1, 30, "paid")]
    second = [("g2", None, 4, 11, "paid"),      # a new amount
              ("g4", None, 5, 20, "paid"),      # paid after all
              ("g5", None, 6, 12, "paid"),      # new
              ("g6", None, 4, 10, "paid"),      # new, the values of g1 and g3
              ("g7", None, 4, 10, "refunded")]  # changed, still excluded
    with Workspace(":memory:") as ws:
        ws.import_frame("orders", _orders(first), file_name="1.csv")
        ws.import_frame("orders", _orders(second), file_name="2.csv")
        _, guests = _facts(ws.cursor())
        assert builds["update"] == 1
    # the guests' rows by revenue: g1, g3, g6, g2, g5, g4
    assert sorted(g[1] for g in guests) == [10.0, 10.0, 10.0, 11.0, 12.0, 20.0]
