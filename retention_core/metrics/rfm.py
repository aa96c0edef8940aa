"""RFM segmentation: recency, frequency and monetary scores and named segments.

Scores are quintiles as of the last order day in scope (``sql/clv/rfm_scores.sql``):
1 + floor(5 x share of customers with a strictly worse value), so tied customers share a
score. Segments are named from the recency and frequency scores with the usual R x F grid
(:data:`SEGMENT_GRID`); the monetary score is shown and sortable but does not change the
name.

The customer table behind the page (:func:`score_customers`, :func:`summarise_customers`,
:func:`export_segment`) comes from one pass per customer on integer keys
(:func:`~retention_core.metrics.purchase_days.customer_rfm` over ``order_facts``;
``sql/clv/customer_rfm.sql`` on a workspace without it) that feeds the scores and the CLV
models; customer ids are looked up only for the rows shown or exported.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import polars as pl

from retention_core import derived
from retention_core.errors import DataError, InputError, ModelError
from retention_core.exports import to_safe_csv
from retention_core.filters import Filters
from retention_core.metrics import purchase_days
from retention_core.metrics.clv import order_date_bounds, predict_summary
from retention_core.sql import load_sql, query_frame

SEGMENTS: dict[str, str] = {
    "champions": "Bought recently and often: reward them, ask for reviews, early access.",
    "loyal": "Buy regularly: upsell, loyalty programme.",
    "potential loyalist": "Recent customers with a few orders: a membership or bundle offer.",
    "new": "First order very recently: onboarding, a reason for the second order.",
    "promising": "Recent one-time buyers: build the relationship, free shipping offers.",
    "need attention": "Middling recency and frequency: a limited-time offer.",
    "about to sleep": "Slipping away with few orders: reactivate with something relevant.",
    "at risk": "Used to buy often, not lately: a personal win-back e-mail.",
    "can't lose": "Your most frequent buyers, gone quiet: win them back first.",
    "hibernating": "Long since the last order, few orders: general offers only.",
    "lost": "Lowest recency and frequency: a last try, or leave out of campaigns.",
}
"""Segment names, best to worst, with the action they usually call for."""

# rows: recency score 5 (most recent) .. 1; columns: frequency score 1 .. 5
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential loyalist", "potential loyalist", "champions", "champions"),
    4: ("promising", "potential loyalist", "potential loyalist", "loyal", "loyal"),
    3: ("about to sleep", "about to sleep", "need attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at risk", "at risk", "can't lose"),
    1: ("lost", "lost", "at risk", "at risk", "can't lose"),
}

EXPORT_COLUMNS = ("customer_id", "segment", "r_score", "f_score", "m_score", "first_order",
                  "last_order", "orders", "revenue", "p_alive", "predicted_clv")


def name_segment(r_score: int, f_score: int) -> str:
    """The segment of a customer with these recency and frequency scores (1..5)."""
    if r_score not in SEGMENT_GRID or not 1 <= f_score <= 5:
        raise InputError(f"RFM scores run from 1 to 5, got R={r_score}, F={f_score}")
    return SEGMENT_GRID[r_score][f_score - 1]


def _segment_table() -> pl.DataFrame:
    rows = [(r, f, SEGMENT_GRID[r][f - 1]) for r in SEGMENT_GRID for f in range(1, 6)]
    return pl.DataFrame(rows, schema={"r_score": pl.Int32, "f_score": pl.Int32,
                                      "segment": pl.String}, orient="row")


def compute_rfm_scores(con: duckdb.DuckDBPyConnection, filters: Filters,
                       as_of: date | None = None, *,
                       bounds: tuple[date, date] | None = None) -> pl.DataFrame:
    """R, F, M scores and the segment of every customer in scope.

    Columns: customer_id, first_order, last_order, recency_days (days from the last order
    to ``as_of``, default the last order day in scope), orders, revenue, r_score, f_score,
    m_score (1..5), rfm (e.g. "545") and segment. ``bounds``: the order date bounds when
    the caller has them already (:func:`~retention_core.metrics.clv.order_date_bounds`).
    """
    bounds = bounds or order_date_bounds(con, filters)
    if bounds is None:
        raise DataError("There are no orders with a customer in this view")
    scores = query_frame(con, load_sql("clv/rfm_scores"),
                         {**filters.params(), "as_of": as_of or bounds[1]})
    return scores.join(_segment_table(), on=["r_score", "f_score"], how="left").with_columns(
        pl.concat_str(pl.col("r_score"), pl.col("f_score"), pl.col("m_score")).alias("rfm"))


def score_customers(con: duckdb.DuckDBPyConnection, filters: Filters, time_unit: str = "week",
                    horizon_months: int = 12, discount_rate: float = 0.01) -> dict[str, Any]:
    """The customer table: RFM scores and segment with the model's P(alive) and CLV.

    Returns ``customers`` (frame of :func:`compute_rfm_scores` plus ``p_alive``,
    ``expected_purchases`` and ``predicted_clv`` over the horizon; these are null when the
    models cannot be fitted), ``model_error`` (the reason, or None) and ``notes`` (caveats
    of the fit, see :func:`retention_core.metrics.clv.describe_fit`). Sorted by predicted
    CLV, then revenue, then customer id. One row per customer (a million on a big shop):
    pages show :func:`summarise_customers` and build this table only for a download.
    """
    scored = _score_keyed(con, filters, time_unit, horizon_months, discount_rate)
    return {**scored, "customers": _with_ids(con, scored["customers"])}


def _score_keyed(con: duckdb.DuckDBPyConnection, filters: Filters, time_unit: str,
                 horizon_months: int, discount_rate: float) -> dict[str, Any]:
    """:func:`score_customers` without the customer ids and unsorted: the first column,
    ``customer_key``, is the integer key of ``order_facts`` (the id itself on a workspace
    without it) and ``segment`` is an Enum; :func:`_with_ids` makes rows of the customer
    table from it. One pass per customer (``purchase_days.customer_rfm``, or
    ``sql/clv/customer_rfm.sql``) feeds the scores and the models; as of the last order day in scope, like :func:`compute_rfm_scores` and
    :func:`~retention_core.metrics.clv.predict_customer_value`.
    """
    # integer keys only where their ids can be looked up (customer_keys is newer than
    # order_facts: a workspace of the version between, opened read-only, lacks it)
    if purchase_days.available(con) and derived.available(con, "customer_keys"):
        per_customer = purchase_days.customer_rfm(purchase_days.load(con, filters))
    else:
        per_customer = query_frame(con, load_sql("clv/customer_rfm"), filters.params())
    if per_customer.is_empty():
        raise DataError("There are no orders with a customer in this view")
    first = per_customer["first_order"].to_physical().cast(pl.Int64)
    last = per_customer["last_order"].to_physical().cast(pl.Int64)
    as_of = per_customer["last_order"].max()
    as_of_day = last.max()
    r_score = _quintile(last)
    f_score = _quintile(per_customer["orders"])
    customers = pl.DataFrame([
        per_customer["customer_id"].alias("customer_key"),
        per_customer["first_order"], per_customer["last_order"],
        (as_of_day - last).alias("recency_days"),
        per_customer["orders"], per_customer["revenue"],
        pl.Series("r_score", r_score), pl.Series("f_score", f_score),
        pl.Series("m_score", _quintile(per_customer["revenue"])),
        _SEGMENT_BY_SCORES.gather((r_score - 1) * 5 + f_score - 1).alias("segment"),
    ])
    summary = pl.DataFrame([per_customer["frequency"], (last - first).alias("recency_days"),
                            (as_of_day - first).alias("t_days"),
                            per_customer["monetary_value"]])
    model_error = None
    notes: list[str] = []
    try:
        predicted = predict_summary(summary, as_of, time_unit, horizon_months, discount_rate)
        notes = predicted["notes"]
        columns = [pl.Series(name, predicted[name])
                   for name in ("p_alive", "expected_purchases", "predicted_clv")]
    except ModelError as err:
        model_error = str(err)
        columns = [pl.repeat(None, customers.height, dtype=pl.Float64, eager=True).alias(name)
                   for name in ("p_alive", "expected_purchases", "predicted_clv")]
    return {"customers": customers.with_columns(columns), "model_error": model_error,
            "notes": notes}


def _quintile(values: pl.Series) -> np.ndarray:
    """The scores of ``rfm_scores.sql``: 1 + floor(5 x share of the values strictly lower
    than the customer's), at most 5.

    Score >= s exactly when at least k_s = ceil((s - 1) n / 5) values are lower, i.e. when
    the value exceeds the k_s-th smallest one: four order statistics instead of a rank of
    every customer.
    """
    n = len(values)
    if values.null_count() or (values.dtype.is_float() and values.is_nan().any()):
        # not in stored orders (revenue is required, NaN is read as missing); SQL puts NULL
        # last and NaN above every number (here: tied with +inf)
        ordered = values.fill_nan(np.inf) if values.dtype.is_float() else values
        lower = (ordered.rank("min") - 1).fill_null(n - values.null_count())
        return np.minimum(5, 1 + (5 * lower.cast(pl.Int64).to_numpy()) // n).astype(np.int32)
    array = values.to_numpy()
    kth = [-(-(s - 1) * n // 5) - 1 for s in range(2, 6)]  # index of the k_s-th smallest
    thresholds = np.partition(array, kth)[kth]
    scores = np.ones(n, dtype=np.int32)
    for threshold in thresholds:
        scores += array > threshold
    return scores


_SEGMENT_ENUM = pl.Enum(list(SEGMENTS))
_SEGMENT_BY_SCORES = pl.Series([SEGMENT_GRID[r][f - 1] for r in range(1, 6) for f in range(1, 6)],
                               dtype=_SEGMENT_ENUM)
"""Segment of (r_score, f_score) at index (r_score - 1) * 5 + f_score - 1."""

CUSTOMER_COLUMNS = ("customer_id", "first_order", "last_order", "recency_days", "orders",
                    "revenue", "r_score", "f_score", "m_score", "segment", "rfm", "p_alive",
                    "expected_purchases", "predicted_clv")
"""Columns of the customer table (:func:`score_customers`)."""

def _with_ids(con: duckdb.DuckDBPyConnection, keyed: pl.DataFrame) -> pl.DataFrame:
    """Rows of :func:`_score_keyed` as rows of the customer table: customer ids looked up
    by key, ``rfm`` added, sorted by predicted CLV, revenue and customer id."""
    if keyed["customer_key"].dtype == pl.String:
        rows = keyed.rename({"customer_key": "customer_id"})
    else:
        rows = keyed.join(_customer_ids(con, keyed["customer_key"]), on="customer_key",
                          how="left")
    return (rows.with_columns(pl.col("segment").cast(pl.String),
                              pl.concat_str("r_score", "f_score", "m_score").alias("rfm"))
            .select(CUSTOMER_COLUMNS)
            .sort(["predicted_clv", "revenue", "customer_id"], descending=[True, True, False],
                  nulls_last=True))


def _customer_ids(con: duckdb.DuckDBPyConnection, keys: pl.Series) -> pl.DataFrame:
    """(customer_key, customer_id) of the integer ``keys`` from ``customer_keys``."""
    wanted = "rfm_wanted_keys"
    con.register(wanted, keys.to_frame("customer_key").to_arrow())
    try:
        return query_frame(con, load_sql("clv/customer_ids"))
    finally:
        con.unregister(wanted)


def _top(keyed: pl.DataFrame, n: int) -> pl.DataFrame:
    """The rows of ``keyed`` that can be among the first ``n`` of the customer table: every
    row at least as high by (predicted CLV, revenue) as the n-th, ties included (the
    customer id that breaks them is only known once looked up)."""
    if not 0 < n < keyed.height:
        return keyed
    # the table's order (descending, NaN first, nulls last) on plain floats
    keys = keyed.select(pl.col("predicted_clv", "revenue").fill_nan(np.inf).fill_null(-np.inf))
    clv, revenue = keys["predicted_clv"], keys["revenue"]
    boundary = clv.top_k(n).min()
    above, tied = clv > boundary, clv == boundary
    revenue_boundary = revenue.filter(tied).top_k(n - above.sum()).min()
    return keyed.filter(above | (tied & (revenue >= revenue_boundary)))


TOP_CUSTOMERS = 1000
"""How many customers (highest predicted CLV first) the Customer value page lists."""


def summarise_customers(con: duckdb.DuckDBPyConnection, filters: Filters,
                        time_unit: str = "week", horizon_months: int = 12,
                        discount_rate: float = 0.01, top: int = TOP_CUSTOMERS) -> dict[str, Any]:
    """What the Customer value page draws from :func:`score_customers`, without the
    per-customer table (a cached result is copied on every page rerun).

    Returns ``segments`` (:func:`summarise_segments`), ``top_customers`` (the first
    ``top`` rows of the customer table), ``customers`` (how many there are),
    ``model_error`` and ``notes``. Only the top rows' customer ids are looked up.
    """
    scored = _score_keyed(con, filters, time_unit, horizon_months, discount_rate)
    keyed = scored["customers"]
    return {"segments": summarise_segments(keyed),
            "top_customers": _with_ids(con, _top(keyed, top)).head(top),
            "customers": keyed.height, "model_error": scored["model_error"],
            "notes": scored["notes"]}


def export_segment(con: duckdb.DuckDBPyConnection, filters: Filters, segment: str,
                   time_unit: str = "week", horizon_months: int = 12,
                   discount_rate: float = 0.01) -> bytes:
    """The customers of ``segment`` as a spreadsheet-safe CSV (the page's download button
    calls this on click, so the full customer table is only built when wanted)."""
    if segment not in SEGMENTS:
        raise InputError(f"Unknown segment {segment!r}; use one of {', '.join(SEGMENTS)}")
    keyed = _score_keyed(con, filters, time_unit, horizon_months, discount_rate)["customers"]
    members = _with_ids(con, keyed.filter(pl.col("segment") == segment))
    return to_safe_csv(select_segment_customers(members, segment))


def summarise_segments(customers: pl.DataFrame) -> pl.DataFrame:
    """One row per segment (in :data:`SEGMENTS` order, empty ones left out): customers,
    customer_share, revenue, revenue_share, average revenue, mean P(alive), total predicted
    CLV and the suggested action. Shares are fractions of all customers / revenue."""
    total_customers = customers.height
    total_revenue = customers["revenue"].sum()
    order = pl.DataFrame({"segment": list(SEGMENTS), "rank": range(len(SEGMENTS)),
                          "action": list(SEGMENTS.values())})
    grouped = customers.group_by("segment").agg(
        pl.len().alias("customers"),
        pl.col("revenue").sum().alias("revenue"),
        pl.col("revenue").mean().alias("average_revenue"),
        pl.col("p_alive").mean().alias("mean_p_alive"),
        pl.col("predicted_clv").sum().alias("predicted_clv"),
    ).with_columns(pl.col("segment").cast(pl.String))  # the internal table uses an Enum
    return (grouped.join(order, on="segment", how="left").sort("rank")
            .with_columns((pl.col("customers") / total_customers).alias("customer_share"),
                          (pl.col("revenue") / total_revenue if total_revenue
                           else pl.lit(None, pl.Float64)).alias("revenue_share"))
            .select("segment", "customers", "customer_share", "revenue", "revenue_share",
                    "average_revenue", "mean_p_alive", "predicted_clv", "action"))


def segment_file_name(segment: str) -> str:
    """``segment-cant-lose.csv`` style file name for a segment export."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in segment.lower().replace("'", ""))
    return f"segment-{slug}.csv"


def select_segment_customers(customers: pl.DataFrame, segment: str) -> pl.DataFrame:
    """The customers of one segment with the columns of an e-mail campaign export.

    Write it with :func:`retention_core.exports.to_safe_csv` (formula cells neutralised).
    """
    if segment not in SEGMENTS:
        raise InputError(f"Unknown segment {segment!r}; use one of {', '.join(SEGMENTS)}")
    columns = [c for c in EXPORT_COLUMNS if c in customers.columns]
    return customers.filter(pl.col("segment") == segment).select(columns)
