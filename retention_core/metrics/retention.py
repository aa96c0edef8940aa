"""Retention metrics: cohorts, curves, customer retention rate, returning customers,
time between orders and churn (SPEC.md, "Metric definitions"; docs/metrics-retention.md).

Every function takes a DuckDB cursor and :class:`~retention_core.filters.Filters`, runs
one set-based query from ``sql/retention/`` and returns a small polars frame (or a dict).
Dates are ``pl.Date``; rates are fractions in [0, 1]; a rate with an empty denominator
is null. The period containing "as of" is partial: its rows carry ``is_partial = true``
and periods after "as of" have no rows at all.

The order KPIs used by the KPI tiles and the ``kpis`` command live in
:mod:`retention_core.metrics.retention_kpis` and are re-exported here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from retention_core import derived
from retention_core.filters import Filters
from retention_core.metrics import order_days
from retention_core.metrics.common import customer_orders_sql, on_order_facts, order_rank
from retention_core.metrics.retention_kpis import (  # noqa: F401  (re-exported)
    compute_order_kpis,
    compute_retention_tiles,
    compute_weekly_order_kpis,
)
from retention_core.metrics.retention_scope import (
    check_days,
    resolve_scope,
    scope_params,
)
from retention_core.sql import fill_part, load_sql, query_frame

# first-order attributes that order_facts holds: a split by one of them runs on its keys
FACT_DIMENSIONS = ("channel", "country", "device")
DEFAULT_ACTIVITY_DAYS = 365
DEFAULT_CHURN_DAYS = 365

COHORT_SCHEMA = {
    "cohort": pl.Date, "cohort_size": pl.Int64, "period_index": pl.Int32,
    "period_start": pl.Date, "retained": pl.Int64, "rate": pl.Float64, "is_partial": pl.Boolean,
}
SEGMENT_COHORT_SCHEMA = {"segment": pl.String, **COHORT_SCHEMA, "repeat_customers": pl.Int64}
CURVE_SCHEMA = {"period_index": pl.Int32, "cohorts": pl.UInt32, "customers": pl.Int64,
                "retained": pl.Int64, "rate": pl.Float64}
CRR_SCHEMA = {"period_start": pl.Date, "customers_start": pl.Int64, "customers_end": pl.Int64,
              "new_customers": pl.Int64, "crr": pl.Float64, "is_partial": pl.Boolean}
RETURNING_SCHEMA = {
    "period_start": pl.Date, "orders": pl.Int64, "new_orders": pl.Int64,
    "returning_orders": pl.Int64, "guest_orders": pl.Int64, "revenue": pl.Float64,
    "new_revenue": pl.Float64, "returning_revenue": pl.Float64, "guest_revenue": pl.Float64,
    "returning_order_share": pl.Float64, "returning_revenue_share": pl.Float64,
    "is_partial": pl.Boolean,
}
GAPS_SCHEMA = {"days": pl.Int32, "between_orders": pl.Int64, "first_to_second": pl.Int64}


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with exactly ``schema``'s columns and types (an empty frame if None)."""
    if frame is None or frame.is_empty():
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(n).cast(t) for n, t in schema.items()])


def query_cohorts(con: duckdb.DuckDBPyConnection, filters: Filters, period: str,
                  unbounded: bool = False, as_of: date | None = None, *,
                  dimension: str = "none", top: int = 10) -> pl.DataFrame:
    """Cohort cells per segment of the first order (used by the cohort table and segments).

    Returns ``segment``, the :data:`COHORT_SCHEMA` columns and ``repeat_customers`` (the
    cohort's customers with 2+ orders up to "as of").
    """
    scope = resolve_scope(con, filters, period, as_of)
    if scope is None:
        return pl.DataFrame(schema=SEGMENT_COHORT_SCHEMA)
    params = scope_params(filters, scope, unbounded=bool(unbounded), dimension=dimension,
                          top=top)
    frame = query_frame(con, _cohort_sql(con, dimension), params)
    return _conform(frame, SEGMENT_COHORT_SCHEMA)


def _cohort_sql(con: duckdb.DuckDBPyConnection, dimension: str) -> str:
    """cohort_table.sql with its customers CTE.

    Without a split, or split by an attribute ``order_facts`` holds (channel, country,
    device), the query runs on the integer keys of ``order_facts`` when the workspace has
    them (:func:`customer_orders_sql`; there ``order_id`` is the row number, which breaks
    same-time ties between a customer's orders as the order_id does). Any other split
    reads the first order's attribute from ``orders``."""
    if dimension == "none":
        return fill_part(customer_orders_sql(con, "retention/cohort_table"), "customers",
                         load_sql("retention/all_customers"))
    keyed = dimension in FACT_DIMENSIONS and derived.available(con, "order_facts")
    sql = load_sql("retention/cohort_table")
    values = fill_part(load_sql("retention/segment_values"), "order_dimensions",
                       "" if keyed else load_sql("retention/segment_order_dimensions"))
    values = fill_part(values, "order_rank", order_rank(keyed))
    customers = fill_part(load_sql("retention/segment_customers"), "segment_values", values)
    return fill_part(on_order_facts(con, sql) if keyed else sql, "customers", customers)


def compute_cohort_table(con: duckdb.DuckDBPyConnection, filters: Filters,
                         period: str = "month", unbounded: bool = False,
                         as_of: date | None = None) -> pl.DataFrame:
    """Cohort retention table: one row per (cohort, period index).

    Parameters
    ----------
    con
        Workspace cursor.
    filters
        Global filters. Channel / country / device select orders; the date range selects
        the customers acquired in it (history before it still counts).
    period
        ``"week"`` (ISO, Monday), ``"month"`` or ``"quarter"``.
    unbounded
        Unbounded (rolling) retention instead of bounded.
    as_of
        Date the table is taken at (default: the latest order date, or the range end).

    Returns
    -------
    polars.DataFrame
        ``cohort`` (period start), ``cohort_size``, ``period_index`` (k >= 0),
        ``period_start`` (of period cohort + k), ``retained``, ``rate`` and ``is_partial``
        (the cell's period contains "as of" and is not over). Cells after "as of" do not
        exist, so the table is a triangle.

    Notes
    -----
    SPEC.md: the cohort of a customer is the period of their first kept order. Bounded
    retention at k is the share of the cohort with at least one order in period c + k;
    unbounded the share with an order in period c + k or any later one. k = 0 is 100%.
    Guest orders (no customer_id) do not count.
    """
    return query_cohorts(con, filters, period, unbounded, as_of).select(list(COHORT_SCHEMA))


def compute_average_retention(cohort_table: pl.DataFrame, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Weighted average retention curve over cohorts, from complete cells only.

    For each period index k: customers = sum of the sizes of the cohorts whose cell k is
    complete (its period is over at "as of"), retained = sum of their retained customers,
    rate = retained / customers. Partial cells are left out so the period in progress
    never shows as a drop.

    Parameters
    ----------
    cohort_table
        Output of :func:`compute_cohort_table` (or :func:`query_cohorts`).
    by
        Extra grouping columns (e.g. ``("segment",)``).

    Returns
    -------
    polars.DataFrame
        ``by`` columns, ``period_index``, ``cohorts``, ``customers``, ``retained``, ``rate``.
    """
    keys = [*by, "period_index"]
    schema = {**{b: cohort_table.schema[b] for b in by}, **CURVE_SCHEMA}
    complete = cohort_table.filter(~pl.col("is_partial"))
    if complete.is_empty():
        return pl.DataFrame(schema=schema)
    out = (
        complete.group_by(keys)
        .agg(pl.len().alias("cohorts"), pl.col("cohort_size").sum().alias("customers"),
             pl.col("retained").sum())
        .with_columns((pl.col("retained") / pl.col("customers")).alias("rate"))
        .sort(keys)
    )
    return out.select([pl.col(n).cast(t) for n, t in schema.items()])


def compute_customer_retention_rate(con: duckdb.DuckDBPyConnection, filters: Filters,
                                    period: str = "month",
                                    activity_days: int = DEFAULT_ACTIVITY_DAYS,
                                    as_of: date | None = None) -> pl.DataFrame:
    """Customer retention rate per period, CRR = (E - N) / S (SPEC.md).

    S = customers active at the start of the period, E = active at its end (at the end of
    "as of" for the partial period), N = customers whose first order falls in the period.
    A customer is active at an instant t when they have an order in the ``activity_days``
    days before t (t itself excluded); instants are midnights.

    Parameters
    ----------
    activity_days
        Activity window in days (default 365).

    Returns
    -------
    polars.DataFrame
        ``period_start``, ``customers_start`` (S), ``customers_end`` (E),
        ``new_customers`` (N), ``crr`` (null when S = 0) and ``is_partial``; one row per
        period from the first one in scope to the one containing "as of".
    """
    check_days(activity_days, "The activity window")
    scope = resolve_scope(con, filters, period, as_of)
    if scope is None:
        return pl.DataFrame(schema=CRR_SCHEMA)
    params = scope_params(filters, scope, activity_days=activity_days)
    frame = query_crr(con, load_sql("retention/customer_retention_rate"), params)
    return _conform(frame, CRR_SCHEMA)


def _with_crr_steps(sql: str, order_days_sql: str) -> str:
    """``sql`` with the customer retention rate's steps: ``order_days_sql`` (the
    ``crr_order_days`` part, from :func:`retention_core.metrics.order_days.part`) and
    ``crr_steps.sql``."""
    return fill_part(fill_part(sql, "crr_order_days", order_days_sql), "crr_steps",
                     load_sql("retention/crr_steps"))


def query_crr(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], *,
              full: bool = False) -> pl.DataFrame:
    """Run the query text ``sql`` with the customer retention rate's steps
    (:func:`_with_crr_steps`), on ``order_facts`` when the workspace has it; ``full``: the
    query reads order_days' first_day, order_number and ordered_at too."""
    with order_days.part(con, params, full=full) as part:
        return query_frame(con, on_order_facts(con, _with_crr_steps(sql, part)), params)


def compute_repeat_buying(con: duckdb.DuckDBPyConnection, filters: Filters,
                          period: str = "month", activity_days: int = DEFAULT_ACTIVITY_DAYS,
                          as_of: date | None = None) -> dict[str, pl.DataFrame]:
    """The customer retention rate and the returning-customer share per period and the
    time between orders, from one window pass over the orders
    (``retention/repeat_buying.sql``).

    Returns
    -------
    dict
        ``crr``: :func:`compute_customer_retention_rate`; ``returning``:
        :func:`compute_returning_share`; ``gaps``: :func:`compute_time_between_orders`
        (the same frames they return).
    """
    check_days(activity_days, "The activity window")
    scope = resolve_scope(con, filters, period, as_of)
    if scope is None:
        return {"crr": pl.DataFrame(schema=CRR_SCHEMA),
                "returning": pl.DataFrame(schema=RETURNING_SCHEMA),
                "gaps": pl.DataFrame(schema=GAPS_SCHEMA)}
    params = scope_params(filters, scope, activity_days=activity_days)
    both = query_crr(con, load_sql("retention/repeat_buying"), params, full=True)
    crr = (both.filter(pl.col("customers_start").is_not_null())
           .rename({"crr_partial": "is_partial"}))
    returning = (both.filter(pl.col("orders").is_not_null())
                 .rename({"returning_partial": "is_partial"}))
    gaps = both.filter(pl.col("days").is_not_null()).sort("days")
    return {"crr": _conform(crr, CRR_SCHEMA), "returning": _conform(returning, RETURNING_SCHEMA),
            "gaps": _conform(gaps, GAPS_SCHEMA)}


def compute_returning_share(con: duckdb.DuckDBPyConnection, filters: Filters,
                            period: str = "month", as_of: date | None = None) -> pl.DataFrame:
    """Orders and revenue per period from new, returning and guest buyers.

    A returning customer's first order was in an earlier period (SPEC.md), counted over
    their whole history (before the date range too). Shares are over all orders /
    revenue of the period, guest orders included.

    Returns
    -------
    polars.DataFrame
        ``period_start``, ``orders``, ``new_orders``, ``returning_orders``,
        ``guest_orders``, the same four for revenue, ``returning_order_share``,
        ``returning_revenue_share`` and ``is_partial``.
    """
    return compute_repeat_buying(con, filters, period, as_of=as_of)["returning"]


def compute_time_between_orders(con: duckdb.DuckDBPyConnection, filters: Filters,
                                as_of: date | None = None) -> pl.DataFrame:
    """Distribution of days between consecutive orders and from first to second order.

    Days are calendar days between order dates (two orders on one day: 0). A gap counts
    when its later order is in the date range; a first-to-second interval counts for
    customers acquired in the range whose second order is by "as of".

    Returns
    -------
    polars.DataFrame
        ``days``, ``between_orders`` (number of gaps of that length) and
        ``first_to_second`` (customers whose second order came that many days after the
        first), one row per length that occurs.
    """
    return compute_repeat_buying(con, filters, "month", as_of=as_of)["gaps"]


def compute_churn(con: duckdb.DuckDBPyConnection, filters: Filters,
                  churn_days: int = DEFAULT_CHURN_DAYS,
                  as_of: date | None = None) -> dict[str, Any]:
    """Churned customers at "as of" and the customer-level figures of the KPI tiles.

    A customer is churned when their last order is older than the churn window: no order
    in the ``churn_days`` days ending with "as of" (SPEC.md). Customers are those acquired
    in the date range (all of them without one).

    Returns
    -------
    dict
        ``as_of``, ``churn_days``, ``customers``, ``churned``, ``churned_share``,
        ``repeat_customers``, ``median_days_to_second`` (None without repeat buyers).
    """
    return compute_retention_tiles(con, filters, churn_days, as_of)["churn"]


def describe_as_of(con: duckdb.DuckDBPyConnection, filters: Filters, period: str = "month",
                   as_of: date | None = None) -> dict[str, Any]:
    """The date the metrics are taken at and whether its period is still running.

    Returns
    -------
    dict
        ``as_of`` (None without orders), ``period``, ``current_start`` (first day of the
        period containing ``as_of``) and ``is_partial``.
    """
    scope = resolve_scope(con, filters, period, as_of)
    return {"as_of": scope.as_of if scope else None, "period": period,
            "current_start": scope.current_start if scope else None,
            "is_partial": scope.current_partial if scope else False}


def latest_complete_crr(crr: pl.DataFrame) -> dict[str, Any]:
    """The CRR of the latest complete period that has one (S > 0), for a KPI tile.

    Returns
    -------
    dict
        ``crr`` and ``period_start`` (both None when no complete period has a CRR).
    """
    done = crr.filter(~pl.col("is_partial") & pl.col("crr").is_not_null())
    if done.is_empty():
        return {"crr": None, "period_start": None}
    last = done.row(done.height - 1, named=True)
    return {"crr": last["crr"], "period_start": last["period_start"]}


def compute_retention_summary(con: duckdb.DuckDBPyConnection, filters: Filters,
                              period: str = "month",
                              activity_days: int = DEFAULT_ACTIVITY_DAYS,
                              churn_days: int = DEFAULT_CHURN_DAYS,
                              as_of: date | None = None) -> dict[str, Any]:
    """The retention page's KPI tiles.

    Returns
    -------
    dict
        ``as_of``, ``period``, ``current_start`` and ``is_partial`` (of the period
        containing "as of"); ``repeat_purchase_rate`` and ``customers`` (as
        :func:`compute_order_kpis`); ``crr`` and ``crr_period`` (the latest complete
        period with a defined CRR, else None); ``median_days_to_second``;
        ``churned``, ``churned_share``, ``churn_days``, ``activity_days``.
    """
    scope = describe_as_of(con, filters, period, as_of)
    tiles = compute_retention_tiles(con, filters, churn_days, as_of=scope["as_of"],
                                    period=period, activity_days=activity_days)
    kpis, churn, crr = tiles["kpis"], tiles["churn"], tiles["crr"]
    return {
        **scope,
        "customers": kpis["customers"],
        "repeat_purchase_rate": kpis["repeat_purchase_rate"],
        "crr": crr["crr"],
        "crr_period": crr["period_start"],
        "median_days_to_second": churn["median_days_to_second"],
        "churned": churn["churned"],
        "churned_share": churn["churned_share"],
        "churn_days": churn_days,
        "activity_days": activity_days,
    }
