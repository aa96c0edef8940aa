"""RFM segmentation: recency, frequency and monetary scores and named segments.

Scores are quintiles as of the last order day in scope (``sql/clv/rfm_scores.sql``):
1 + floor(5 x share of customers with a strictly worse value), so tied customers share a
score. Segments are named from the recency and frequency scores with the usual R x F grid
(:data:`SEGMENT_GRID`); the monetary score is shown and sortable but does not change the
name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from retention_core.errors import DataError, InputError, ModelError
from retention_core.exports import to_safe_csv
from retention_core.filters import Filters
from retention_core.metrics.clv import order_date_bounds, predict_customer_value
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
    CLV, then revenue. One row per customer (a million on a big shop): pages show
    :func:`summarise_customers` and build this table only for a download.
    """
    bounds = order_date_bounds(con, filters)
    scores = compute_rfm_scores(con, filters, bounds=bounds)
    model_error = None
    notes: list[str] = []
    try:
        prediction = predict_customer_value(con, filters, time_unit, horizon_months,
                                            discount_rate, bounds=bounds)
        predicted, notes = prediction["customers"], prediction["notes"]
        customers = scores.join(
            predicted.select("customer_id", "p_alive", "expected_purchases", "predicted_clv"),
            on="customer_id", how="left")
    except ModelError as err:
        model_error = str(err)
        customers = scores.with_columns(pl.lit(None, pl.Float64).alias("p_alive"),
                                        pl.lit(None, pl.Float64).alias("expected_purchases"),
                                        pl.lit(None, pl.Float64).alias("predicted_clv"))
    customers = customers.sort(["predicted_clv", "revenue", "customer_id"],
                               descending=[True, True, False], nulls_last=True)
    return {"customers": customers, "model_error": model_error, "notes": notes}


TOP_CUSTOMERS = 1000
"""How many customers (highest predicted CLV first) the Customer value page lists."""


def summarise_customers(con: duckdb.DuckDBPyConnection, filters: Filters,
                        time_unit: str = "week", horizon_months: int = 12,
                        discount_rate: float = 0.01, top: int = TOP_CUSTOMERS) -> dict[str, Any]:
    """What the Customer value page draws from :func:`score_customers`, without the
    per-customer table (a cached result is copied on every page rerun).

    Returns ``segments`` (:func:`summarise_segments`), ``top_customers`` (the first
    ``top`` rows of the customer table), ``customers`` (how many there are),
    ``model_error`` and ``notes``.
    """
    scored = score_customers(con, filters, time_unit, horizon_months, discount_rate)
    customers = scored["customers"]
    return {"segments": summarise_segments(customers), "top_customers": customers.head(top),
            "customers": customers.height, "model_error": scored["model_error"],
            "notes": scored["notes"]}


def export_segment(con: duckdb.DuckDBPyConnection, filters: Filters, segment: str,
                   time_unit: str = "week", horizon_months: int = 12,
                   discount_rate: float = 0.01) -> bytes:
    """The customers of ``segment`` as a spreadsheet-safe CSV (the page's download button
    calls this on click, so the full customer table is only built when wanted)."""
    customers = score_customers(con, filters, time_unit, horizon_months,
                                discount_rate)["customers"]
    return to_safe_csv(select_segment_customers(customers, segment))


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
    )
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
