"""Which kinds of customers come back: retention compared across first-order segments.

Customers are split by an attribute of their *first* order (channel, device, country,
discount code used or not, product, category, delivered late, returned) and each
segment gets its weighted average retention curve, repeat purchase rate and size.
Segments are ranked by retention at a chosen period index with a 95% Wilson score
interval (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the Wald interval
for small n), and the comparison is put in words computed from the numbers.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import duckdb
import polars as pl

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics.retention import compute_average_retention, query_cohorts

SEGMENT_DIMENSIONS: dict[str, str] = {
    "channel": "Channel",
    "device": "Device",
    "country": "Country",
    "discount_code": "Discount code used",
    "product": "Product",
    "category": "Category",
    "delivered_late": "Delivered late",
    "returned": "Returned",
}
# how a segment is named in a sentence: "customers with **email** (first-order channel)"
SEGMENT_PHRASES: dict[str, str] = {
    "channel": "first-order channel",
    "device": "first-order device",
    "country": "country of the first order",
    "discount_code": "discount code on the first order",
    "product": "first product bought",
    "category": "first category bought",
    "delivered_late": "first order's delivery",
    "returned": "first order returned or not",
}
DEFAULT_MIN_CUSTOMERS = 30
DEFAULT_TOP = 10
Z_95 = 1.959963984540054
UNKNOWN = "(unknown)"
OTHER = "(other)"

RANKING_SCHEMA = {
    "rank": pl.UInt32, "segment": pl.String, "customers": pl.Int64,
    "repeat_customers": pl.Int64, "repeat_purchase_rate": pl.Float64,
    "eligible": pl.Int64, "retained": pl.Int64, "rate": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "too_small": pl.Boolean,
}


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float | None, float | None]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    Returns ``(low, high)``; ``(None, None)`` when ``n`` is 0.
    """
    if n <= 0:
        return None, None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _check_dimension(dimension: str) -> str:
    if dimension not in SEGMENT_DIMENSIONS:
        raise InputError(f"Cannot split customers by {dimension!r}; use one of "
                         f"{', '.join(SEGMENT_DIMENSIONS)}")
    return dimension


def compute_segment_cohorts(con: duckdb.DuckDBPyConnection, filters: Filters, dimension: str,
                            period: str = "month", unbounded: bool = False,
                            as_of: date | None = None, top: int = DEFAULT_TOP) -> pl.DataFrame:
    """Cohort tables per segment of the first order (see ``compute_cohort_table``).

    Parameters
    ----------
    dimension
        One of :data:`SEGMENT_DIMENSIONS`. A missing value is the segment
        ``"(unknown)"``; beyond the ``top`` largest segments the rest are ``"(other)"``.

    Returns
    -------
    polars.DataFrame
        ``segment``, the cohort table columns and ``repeat_customers`` (customers of the
        cohort with 2+ orders up to "as of").
    """
    _check_dimension(dimension)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a whole number of at least 1, got {top!r}")
    return query_cohorts(con, filters, period, unbounded, as_of, dimension=dimension, top=top)


def compute_segment_curves(segment_cohorts: pl.DataFrame) -> pl.DataFrame:
    """Weighted average retention curve of each segment (complete cells only).

    Returns
    -------
    polars.DataFrame
        ``segment``, ``period_index``, ``cohorts``, ``customers``, ``retained``, ``rate``.
    """
    return compute_average_retention(segment_cohorts, by=("segment",))


def rank_segments(segment_cohorts: pl.DataFrame, period_index: int = 1,
                  min_customers: int = DEFAULT_MIN_CUSTOMERS) -> pl.DataFrame:
    """Rank segments by retention at ``period_index`` with a 95% Wilson interval.

    The rate of a segment at k pools the cohorts whose cell k is complete: eligible =
    their customers, retained = those retained at k. Segments with fewer than
    ``min_customers`` eligible customers are flagged ``too_small`` and ranked after the
    others.

    Returns
    -------
    polars.DataFrame
        ``rank``, ``segment``, ``customers`` (all customers of the segment),
        ``repeat_customers``, ``repeat_purchase_rate``, ``eligible``, ``retained``,
        ``rate`` (null when nobody is eligible), ``ci_low``, ``ci_high``, ``too_small``.
    """
    if isinstance(period_index, bool) or not isinstance(period_index, int) or period_index < 0:
        raise InputError(f"The period to compare at must be 0 or more, got {period_index!r}")
    if segment_cohorts.is_empty():
        return pl.DataFrame(schema=RANKING_SCHEMA)
    sizes = (
        segment_cohorts.filter(pl.col("period_index") == 0)
        .group_by("segment")
        .agg(pl.col("cohort_size").sum().alias("customers"),
             pl.col("repeat_customers").sum())
    )
    at_k = (
        segment_cohorts.filter((pl.col("period_index") == period_index) & ~pl.col("is_partial"))
        .group_by("segment")
        .agg(pl.col("cohort_size").sum().alias("eligible"), pl.col("retained").sum())
    )
    table = sizes.join(at_k, on="segment", how="left").with_columns(
        pl.col("eligible").fill_null(0), pl.col("retained").fill_null(0))
    rows = []
    for row in table.iter_rows(named=True):
        low, high = wilson_interval(row["retained"], row["eligible"])
        rows.append({
            **row,
            "repeat_purchase_rate": row["repeat_customers"] / row["customers"],
            "rate": row["retained"] / row["eligible"] if row["eligible"] else None,
            "ci_low": low, "ci_high": high,
            "too_small": row["eligible"] < min_customers,
        })
    ranked = (
        pl.DataFrame(rows)
        .sort(["too_small", "rate", "eligible", "segment"],
              descending=[False, True, True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
    )
    return ranked.select([pl.col(n).cast(t) for n, t in RANKING_SCHEMA.items()])


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def describe_segment_ranking(ranking: pl.DataFrame, dimension: str, period: str = "month",
                             period_index: int = 1, unbounded: bool = False,
                             min_customers: int = DEFAULT_MIN_CUSTOMERS) -> dict[str, Any]:
    """Say in words which segment keeps customers best, by how much, and how sure that is.

    The best segment is the top of :func:`rank_segments` among segments that are large
    enough and known (not ``(unknown)`` / ``(other)``); it is compared with all the other
    customers pooled (difference in points and ratio) and with the runner-up, whose 95%
    interval overlapping the best one's means the data cannot tell them apart.

    Returns
    -------
    dict
        ``sentence`` (str or None), ``best`` (segment or None), ``difference_points``,
        ``ratio`` (best rate / rest rate), ``warnings`` (list of sentences).
    """
    label = SEGMENT_DIMENSIONS.get(dimension, dimension).lower()
    phrase = SEGMENT_PHRASES.get(dimension, dimension)
    when = f"{period} {period_index}" + (" or later" if unbounded else "")
    out: dict[str, Any] = {"sentence": None, "best": None, "difference_points": None,
                           "ratio": None, "warnings": []}
    rated = ranking.filter(pl.col("rate").is_not_null())
    if rated.is_empty():
        out["warnings"].append(
            f"No cohort is old enough to show retention at {when} yet; pick an earlier period.")
        return out
    small = rated.filter(pl.col("too_small")).get_column("segment").to_list()
    if small:
        out["warnings"].append(
            f"Too few customers to tell (fewer than {min_customers} reached {when}): "
            f"{', '.join(small)}.")
    candidates = rated.filter(~pl.col("too_small") & ~pl.col("segment").is_in([UNKNOWN, OTHER]))
    if candidates.is_empty():
        out["warnings"].append(
            f"No {label} segment has {min_customers} or more customers at {when}, so the "
            "data cannot say which keeps customers best yet.")
        return out
    best = candidates.row(0, named=True)
    rest = rated.filter(pl.col("segment") != best["segment"])
    rest_eligible = int(rest.get_column("eligible").sum()) if rest.height else 0
    rest_rate = (rest.get_column("retained").sum() / rest_eligible) if rest_eligible else None
    out["best"] = best["segment"]
    sentence = (f"Customers with **{best['segment']}** ({phrase}) keep best: "
                f"{_pct(best['rate'])} ordered in {when} "
                f"(95% interval {_pct(best['ci_low'])}–{_pct(best['ci_high'])}, "
                f"n = {best['eligible']:,})")
    if rest_rate is not None:
        diff = best["rate"] - rest_rate
        out["difference_points"] = 100 * diff
        sentence += f", against {_pct(rest_rate)} for all other customers ({100 * diff:+.1f} points"
        if rest_rate > 0:
            out["ratio"] = best["rate"] / rest_rate
            sentence += f", {out['ratio']:.2f}×"
        sentence += ")"
    out["sentence"] = sentence + "."
    if candidates.height > 1:
        second = candidates.row(1, named=True)
        if second["ci_high"] >= best["ci_low"]:
            out["warnings"].append(
                f"{best['segment']} and {second['segment']} are within each other's 95% "
                f"intervals ({_pct(best['rate'])} vs {_pct(second['rate'])}): the data cannot "
                "tell them apart yet.")
    else:
        out["warnings"].append(f"Only one {label} segment is large enough to compare.")
    return out


def compare_segments(con: duckdb.DuckDBPyConnection, filters: Filters, dimension: str,
                     period: str = "month", period_index: int = 1, unbounded: bool = False,
                     as_of: date | None = None, min_customers: int = DEFAULT_MIN_CUSTOMERS,
                     top: int = DEFAULT_TOP) -> dict[str, Any]:
    """Everything the segment comparison shows, in one call (cacheable by the app).

    Returns
    -------
    dict
        ``curves`` (:func:`compute_segment_curves`), ``ranking`` (:func:`rank_segments`)
        and ``summary`` (:func:`describe_segment_ranking`).
    """
    cohorts = compute_segment_cohorts(con, filters, dimension, period, unbounded, as_of, top)
    ranking = rank_segments(cohorts, period_index, min_customers)
    return {
        "curves": compute_segment_curves(cohorts),
        "ranking": ranking,
        "summary": describe_segment_ranking(ranking, dimension, period, period_index,
                                            unbounded, min_customers),
    }
