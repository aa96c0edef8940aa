"""The customer table of the RFM tab (retention_core.metrics.rfm) is built from one query on
integer customer keys (order_facts) and looks up the ids of the rows it shows. On random
shops it must give exactly what the canonical path gives (the same orders mounted from a
frame: no derived tables, text ids) and what the table was before: the SQL scores of
``compute_rfm_scores`` joined with each customer's prediction from the per-customer
formulas, sorted by predicted CLV, revenue and customer id."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_order_facts import SCHEMA
from test_retention_properties import BASE, filter_sets

from retention_core import derived
from retention_core.errors import DataError, ModelError
from retention_core.exports import to_safe_csv
from retention_core.filters import Filters
from retention_core.metrics import clv, rfm
from retention_core.models import MONTH_DAYS, simulate_bgnbd_purchases, unit_days
from retention_core.workspace import Workspace

# ids whose text order is not the order of their keys, some a spreadsheet would evaluate
NAMES = ["zoe", "=cmd", "Ärger", "a b", "+49", "c10", "c9", "C9", "ß", "日本"]


def random_shop(seed: int, customers: int, copies: int) -> pl.DataFrame:
    """Orders of ``customers`` customers over 14 months from the BG/NBD and Gamma-Gamma
    stories (so that the models usually fit), with same-day orders, cancelled orders and a
    guest order; ``copies`` of the customers repeat another one's orders exactly (ties in
    CLV and revenue, broken by the id). Revenues are quarters: every sum is exact in
    whichever order it is taken."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 300, customers)
    who, when = simulate_bgnbd_purchases({"r": 0.8, "alpha": 30.0, "a": 0.8, "b": 3.0},
                                         (430 - first).astype(float), rng)
    customer = np.concatenate([np.arange(customers), who])
    day = np.concatenate([first, first[who] + np.floor(when).astype(int)])
    spend = rng.gamma(4.0, 10.0, customers)[customer]
    orders = {
        "day": day,
        "hour": rng.choice([0, 9, 9, 17, 23], customer.size),  # same-day orders
        "revenue": np.round(4 * rng.gamma(5.0, spend / 5.0)) / 4,
        "status": rng.choice(["paid", "paid", "paid", "paid", "cancelled"], customer.size),
        "channel": rng.choice(["web", "app", ""], customer.size),
    }
    for c in range(max(1, customers - copies), customers):  # c repeats an earlier customer
        mine, copied = customer != c, customer == rng.integers(0, c)
        customer = np.concatenate([customer[mine], np.full(copied.sum(), c)])
        orders = {k: np.concatenate([v[mine], v[copied]]) for k, v in orders.items()}
    names = [NAMES[c] if c < len(NAMES) else f"c{c:04d}" for c in range(customers)]
    guest = {"day": 30, "hour": 9, "revenue": 12.5, "status": "paid", "channel": "web"}
    rows = [(names[c], *(orders[k][i] for k in guest)) for i, c in enumerate(customer)]
    rows.append((None, *guest.values()))
    return pl.DataFrame({
        "order_id": [f"o{i}" for i in range(len(rows))],
        "customer_id": [r[0] for r in rows],
        "ordered_at": [BASE + timedelta(days=int(r[1]), hours=int(r[2])) for r in rows],
        "revenue": [float(r[3]) for r in rows],
        "status": [str(r[4]) for r in rows],
        "channel": [str(r[5]) or None for r in rows],
        "delivered_late": [None] * len(rows),
    }, schema=SCHEMA)


def reference_table(con, filters: Filters, time_unit: str, horizon_months: int,
                    discount_rate: float) -> dict:
    """The customer table as built before integer keys: ``compute_rfm_scores`` (SQL ranks
    on text ids) left-joined with predictions from the per-customer formulas of the
    models fitted on ``compute_rfm_summary``, sorted by CLV, revenue, customer id."""
    scores = rfm.compute_rfm_scores(con, filters)
    per_month = MONTH_DAYS / unit_days(time_unit)
    try:
        summary = clv.compute_rfm_summary(con, filters, time_unit=time_unit)
        bgnbd, gamma_gamma = clv._fit_window(summary, scores["last_order"].max())
        x, t_x, big_t = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
        spend = gamma_gamma.expected_average_spend(x, summary["monetary_value"].to_numpy())
        value = np.zeros(len(x))
        previous = np.zeros(len(x))
        for month in range(1, horizon_months + 1):
            cumulative = bgnbd.expected_purchases(month * per_month, x, t_x, big_t)
            value += (cumulative - previous) / (1.0 + discount_rate) ** month
            previous = cumulative
        horizon = horizon_months * MONTH_DAYS / unit_days(time_unit)
        predicted = summary.select("customer_id").with_columns(
            pl.Series("p_alive", bgnbd.probability_alive(x, t_x, big_t)),
            pl.Series("expected_purchases", bgnbd.expected_purchases(horizon, x, t_x, big_t)),
            pl.Series("predicted_clv", value * spend))
        customers = scores.join(predicted, on="customer_id", how="left")
        error, notes = None, clv.describe_fit(bgnbd, gamma_gamma)
    except ModelError as err:
        customers = scores.with_columns(pl.lit(None, pl.Float64).alias(c) for c in
                                        ("p_alive", "expected_purchases", "predicted_clv"))
        error, notes = str(err), []
    customers = customers.sort(["predicted_clv", "revenue", "customer_id"],
                               descending=[True, True, False], nulls_last=True)
    return {"customers": customers.select(rfm.CUSTOMER_COLUMNS), "model_error": error,
            "notes": notes}


def _results(con, filters: Filters, top: int, segment: str, unit: str) -> dict:
    summary = rfm.summarise_customers(con, filters, unit, 6, 0.01, top=top)
    return {"summary": summary,
            "export": rfm.export_segment(con, filters, segment, unit, 6, 0.01),
            "table": rfm.score_customers(con, filters, unit, 6, 0.01)}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), customers=st.integers(1, 70),
       copies=st.integers(0, 12), filters=filter_sets(), top=st.integers(1, 15),
       segment=st.sampled_from(sorted(rfm.SEGMENTS)), unit=st.sampled_from(["day", "week"]))
def test_keyed_customer_table_equals_canonical_and_reference(seed, customers, copies,
                                                             filters, top, segment, unit):
    frame = random_shop(seed, customers, copies)
    with Workspace.from_frames(orders=frame) as stored, Workspace(":memory:") as mounted:
        mounted.mount_frame("orders", frame, file_name="orders.parquet")
        assert derived.available(stored.cursor(), "order_facts")
        assert not derived.available(mounted.cursor(), "order_facts")
        if clv.order_date_bounds(stored.cursor(), filters) is None:
            with pytest.raises(DataError, match="no orders with a customer"):
                rfm.summarise_customers(stored.cursor(), filters)
            return
        fast = _results(stored.cursor(), filters, top, segment, unit)
        slow = _results(mounted.cursor(), filters, top, segment, unit)
        want = reference_table(mounted.cursor(), filters, unit, 6, 0.01)
    for got in (fast, slow):
        table = got["table"]["customers"]
        # exactly the old table: same rows, same order (ties broken by the id), same values
        assert_frame_equal(table, want["customers"], check_exact=False, rel_tol=1e-12,
                           abs_tol=1e-15)
        assert table["customer_id"].to_list() == want["customers"]["customer_id"].to_list()
        assert (got["table"]["model_error"], got["table"]["notes"]) == (
            want["model_error"], want["notes"])
        summary = got["summary"]
        assert summary["customers"] == table.height
        assert summary["top_customers"].equals(table.head(top))
        assert (summary["model_error"], summary["notes"]) == (want["model_error"],
                                                              want["notes"])
        assert_frame_equal(summary["segments"], rfm.summarise_segments(want["customers"]),
                           check_exact=False, rel_tol=1e-12)
        assert got["export"] == to_safe_csv(
            rfm.select_segment_customers(want["customers"], segment))
    assert fast["export"] == slow["export"]


def test_top_rows_with_ties_at_the_boundary():
    """Customers with the same history tie in CLV and revenue: the top rows are cut by
    customer id, which only the looked-up ids know (keys follow another order)."""
    twins = ["zz", "=twin", "mm", "Zz", "aa"]
    frame = pl.concat([random_shop(7, 60, 0), pl.DataFrame({
        "order_id": [f"t{i}{d}" for i in range(len(twins)) for d in (0, 1)],
        "customer_id": [name for name in twins for _ in (0, 1)],
        "ordered_at": [BASE + timedelta(days=d) for _ in twins for d in (100, 300)],
        "revenue": [40.0, 60.0] * len(twins),
        "status": ["paid"] * 2 * len(twins),
        "channel": ["web"] * 2 * len(twins),
        "delivered_late": [None] * 2 * len(twins),
    }, schema=SCHEMA)])
    with Workspace.from_frames(orders=frame) as ws:
        con = ws.cursor()
        scored = rfm.score_customers(con, Filters())
        table = scored["customers"]
        first = table["customer_id"].to_list().index("=twin")
        for top in range(max(1, first - 1), first + 7):
            assert rfm.summarise_customers(con, Filters(), top=top)["top_customers"].equals(
                table.head(top))
    assert scored["model_error"] is None
    assert table["customer_id"][first:first + 5].to_list() == ["=twin", "Zz", "aa", "mm", "zz"]
    assert table[first:first + 5].select("predicted_clv", "revenue").n_unique() == 1


def test_order_facts_without_customer_keys_use_the_canonical_path():
    """A workspace written between the two derived tables, opened read-only, has integer
    keys but no ids for them: the table is then built on the canonical orders."""
    frame = random_shop(11, 50, 5)
    with Workspace.from_frames(orders=frame) as ws:
        want = rfm.score_customers(ws.cursor(), Filters())
        summary = rfm.summarise_customers(ws.cursor(), Filters(), top=20)
        ws.cursor().execute("drop table customer_keys")
        assert derived.available(ws.cursor(), "order_facts")
        got = rfm.score_customers(ws.cursor(), Filters())
        assert rfm.summarise_customers(ws.cursor(), Filters(), top=20)["top_customers"].equals(
            summary["top_customers"])
    assert got["customers"].equals(want["customers"])
    assert summary["top_customers"].equals(want["customers"].head(20))
