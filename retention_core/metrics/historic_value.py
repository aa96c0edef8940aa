"""Historic and simple customer lifetime value (SPEC.md, "Metric definitions"): the
Customer value page's "Historic value" tab. Predictive CLV is in
:mod:`retention_core.metrics.clv`.

- Historic CLV: each customer's revenue to date; its distribution, concentration (top 10% /
  20% share, Lorenz curve, Gini) and cumulative revenue per customer by cohort age.
- Simple CLV: average yearly revenue per customer x expected lifespan (1 / yearly churn).

Every query reads the orders in scope of the global filters; guest orders (no customer_id)
never count for customer value.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import polars as pl

from retention_core.errors import DataError, InputError
from retention_core.filters import Filters
from retention_core.metrics.clv import as_date, order_date_bounds
from retention_core.metrics.common import check_period, customer_orders_sql
from retention_core.sql import load_sql, query_frame, query_one

PERCENTILES = (10, 25, 50, 75, 90, 95, 99)
LORENZ_POINTS = 200


# -- historic CLV ----------------------------------------------------------------------------


def compute_historic_clv(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Historic CLV (SPEC.md): per customer ``first_order``, ``last_order``, ``orders`` and
    ``revenue`` (total over the kept orders in scope), highest revenue first."""
    return query_frame(con, load_sql("clv/customer_value"), filters.params())


def _customer_revenue(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.Series:
    """Historic CLV of every customer in scope, unordered: the summaries below sort what
    they need, so the per-customer table (ids, dates, a sort of every customer) is skipped."""
    sql = customer_orders_sql(con, "clv/customer_revenue")
    return query_frame(con, sql, filters.params())["revenue"]


def summarise_clv_distribution(revenue: pl.Series | np.ndarray) -> dict[str, Any]:
    """Customers, mean, total and percentiles (10, 25, 50, 75, 90, 95, 99; linear
    interpolation) of historic CLV; ``percentiles`` is a frame (percentile, value)."""
    values = np.asarray(revenue, dtype=float)
    if values.size == 0:
        raise DataError("No customers in this view")
    points = np.percentile(values, PERCENTILES)
    return {
        "customers": int(values.size),
        "mean": float(values.mean()),
        "total": float(values.sum()),
        "percentiles": pl.DataFrame({"percentile": list(PERCENTILES),
                                     "value": points.astype(float)}),
    }


def compute_revenue_concentration(revenue: pl.Series | np.ndarray) -> dict[str, Any]:
    """How unequal customer value is.

    ``top_10_share`` / ``top_20_share``: revenue share of the ceil(10% / 20% of n)
    customers with the highest revenue. ``gini``: Gini coefficient of revenue per customer
    (0 = everyone equal). ``lorenz``: frame (customer_share, revenue_share) of the Lorenz
    curve, customers sorted from lowest to highest revenue, at most ~200 points plus (0, 0).
    Shares are fractions; with refunds making a total <= 0 they are None.
    """
    values = np.sort(np.asarray(revenue, dtype=float))
    n = values.size
    if n == 0:
        raise DataError("No customers in this view")
    total = float(values.sum())
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    usable = total > 0

    def top_share(fraction: float) -> float | None:
        k = math.ceil(fraction * n - 1e-9)
        return float(values[n - k:].sum() / total) if usable else None

    step = max(1, n // LORENZ_POINTS)
    idx = np.unique(np.concatenate([np.arange(0, n + 1, step), [n]]))
    lorenz = pl.DataFrame({"customer_share": idx / n,
                           "revenue_share": cumulative[idx] / total if usable
                           else np.full(idx.size, np.nan)})
    # Gini = 1 - 2 * area under the Lorenz curve (trapezoids over every customer)
    gini = float(1.0 - (2.0 * cumulative[1:].sum() - total) / (n * total)) if usable else None
    return {"customers": n, "top_10_share": top_share(0.10), "top_20_share": top_share(0.20),
            "gini": gini, "lorenz": lorenz}


def compute_clv_histogram(revenue: pl.Series | np.ndarray, *, bins: int = 40,
                          log_scale: bool = False) -> pl.DataFrame:
    """Histogram of historic CLV: frame (bin_start, bin_end, customers).

    With ``log_scale`` the bins are equally wide in log10 over the positive values
    (customers with revenue <= 0 are counted in a first bin from the minimum to 0).
    """
    values = np.asarray(revenue, dtype=float)
    if values.size == 0:
        raise DataError("No customers in this view")
    if bins < 1:
        raise InputError("bins must be at least 1")
    if log_scale:
        positive = values[values > 0]
        rows = []
        if positive.size:
            lo, hi = np.log10(positive.min()), np.log10(positive.max())
            edges = np.logspace(lo, hi if hi > lo else lo + 1, bins + 1)
            counts, edges = np.histogram(positive, bins=edges)
            rows = list(zip(edges[:-1], edges[1:], counts, strict=True))
        non_positive = values[values <= 0]
        if non_positive.size:
            rows.insert(0, (float(non_positive.min()), 0.0, non_positive.size))
        starts, ends, counts = zip(*rows, strict=True) if rows else ((), (), ())
    else:
        counts, edges = np.histogram(values, bins=bins)
        starts, ends = edges[:-1], edges[1:]
    return pl.DataFrame({"bin_start": np.asarray(starts, dtype=float),
                         "bin_end": np.asarray(ends, dtype=float),
                         "customers": np.asarray(counts, dtype=np.int64)})


def compute_value_overview(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """Distribution summary and concentration of historic CLV in one call (for the page)."""
    revenue = _customer_revenue(con, filters)
    return {**summarise_clv_distribution(revenue), **compute_revenue_concentration(revenue)}


def compute_value_histogram(con: duckdb.DuckDBPyConnection, filters: Filters,
                            log_scale: bool = False, bins: int = 40) -> pl.DataFrame:
    """:func:`compute_clv_histogram` over the customers in scope."""
    revenue = _customer_revenue(con, filters)
    return compute_clv_histogram(revenue, bins=bins, log_scale=log_scale)


def compute_cohort_value(con: duckdb.DuckDBPyConnection, filters: Filters,
                         period: str = "month") -> pl.DataFrame:
    """Cumulative revenue per customer by cohort age, one row per (cohort, age).

    Columns: cohort (period start), customers (cohort size), age (periods since the
    cohort's), period_start, revenue (the cohort's revenue in that period),
    cumulative_revenue_per_customer, is_partial (the period holding the latest order).
    """
    check_period(period)
    sql = customer_orders_sql(con, "clv/cohort_value")
    return query_frame(con, sql, {**filters.params(), "period": period})


# -- simple CLV --------------------------------------------------------------------------------


def compute_simple_clv(con: duckdb.DuckDBPyConnection, filters: Filters,
                       as_of: date | None = None) -> dict[str, Any]:
    """The source's simple CLV: average yearly revenue per customer x expected lifespan.

    Over the year ending ``as_of`` (default: the last order day in scope; 365 days,
    ``year_start`` .. ``as_of``): ``customers_year`` ordered, spending ``revenue_year``;
    ``average_yearly_revenue`` = revenue_year / customers_year. Of the
    ``customers_prior_year`` who ordered in the 365 days before, ``retained_customers``
    ordered again in the last year; ``yearly_churn_rate`` = 1 - retained / prior (the
    customers with no order for over a year at ``as_of``, SPEC's churn);
    ``expected_lifespan_years`` = 1 / yearly_churn_rate; ``simple_clv`` = average yearly
    revenue x lifespan. Values that cannot be computed are None and ``note`` says why.
    """
    bounds = order_date_bounds(con, filters)
    if bounds is None:
        raise DataError("There are no orders with a customer in this view")
    as_of = as_date(as_of, "as of") or bounds[1]
    year_start = as_of - timedelta(days=364)
    prior_start = year_start - timedelta(days=365)
    row = query_one(con, customer_orders_sql(con, "clv/simple_clv_inputs"),
                    {**filters.params(), "as_of": as_of, "year_start": year_start,
                     "prior_start": prior_start})
    customers_year, revenue_year, customers_prior, retained = row if row else (0, 0.0, 0, 0)
    out: dict[str, Any] = {
        "as_of": as_of, "year_start": year_start, "prior_year_start": prior_start,
        "history_days": (as_of - bounds[0]).days + 1,
        "customers_year": customers_year, "revenue_year": float(revenue_year),
        "average_yearly_revenue": revenue_year / customers_year if customers_year else None,
        "customers_prior_year": customers_prior, "retained_customers": retained,
        "yearly_churn_rate": 1.0 - retained / customers_prior if customers_prior else None,
        "expected_lifespan_years": None, "simple_clv": None, "note": None,
    }
    churn = out["yearly_churn_rate"]
    if not customers_prior:
        out["note"] = ("The yearly churn rate needs customers who ordered in the year before "
                       f"the last one ({prior_start} to {year_start - timedelta(days=1)}); "
                       "import more than a year of orders.")
    elif churn == 0:
        out["note"] = ("Every customer of the year before ordered again in the last year, "
                       "so the churn rate is 0 and the expected lifespan is unbounded.")
    else:
        out["expected_lifespan_years"] = 1.0 / churn
        if out["average_yearly_revenue"] is not None:
            out["simple_clv"] = out["average_yearly_revenue"] * out["expected_lifespan_years"]
        if out["history_days"] < 730:
            out["note"] = (f"Only {out['history_days']} days of orders: the year before the "
                           "last one is not fully covered, so the churn rate is rough.")
    return out
