"""Order KPIs for the KPI tiles and the ``kpis`` command (SPEC.md, "Metric definitions").

- customers = distinct customer_id over kept orders;
- orders, revenue: every kept order, guest orders included;
- AOV = revenue / orders; purchase frequency = orders with a customer_id / customers;
- repeat purchase rate = customers with 2+ orders / customers with 1+ orders.

All over the orders the filters select, up to "as of" (default: the latest order date).
A ratio with an empty denominator is None.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from retention_core.filters import Filters
from retention_core.metrics.common import customer_orders_sql
from retention_core.metrics.retention_scope import check_days, resolve_scope, scope_params
from retention_core.sql import query_frame

ORDER_KPI_KEYS = ("customers", "orders", "revenue", "aov", "purchase_frequency",
                  "repeat_purchase_rate")
WEEKLY_SCHEMA = {"week": pl.Date, "customers": pl.Int64, "orders": pl.Int64,
                 "revenue": pl.Float64, "aov": pl.Float64, "purchase_frequency": pl.Float64,
                 "repeat_purchase_rate": pl.Float64}


def compute_order_kpis(con: duckdb.DuckDBPyConnection, filters: Filters,
                       as_of: date | None = None) -> dict[str, Any]:
    """Order KPIs over everything the filters select.

    Parameters
    ----------
    con
        Workspace cursor.
    filters
        Global filters (date range, channel, country, device).
    as_of
        Ignore orders after this date (default: none are ignored).

    Returns
    -------
    dict
        ``customers``, ``orders`` (int), ``revenue`` (float), ``aov``,
        ``purchase_frequency``, ``repeat_purchase_rate`` (float or None when undefined).
    """
    return compute_retention_tiles(con, filters, None, as_of)["kpis"]


def compute_retention_tiles(con: duckdb.DuckDBPyConnection, filters: Filters,
                            churn_days: int | None, as_of: date | None = None
                            ) -> dict[str, dict[str, Any]]:
    """The Retention page's KPI tiles from one pass over the orders
    (``retention/customer_tiles.sql``): the order KPIs and the churn figures both group
    the orders up to "as of" by customer.

    Returns
    -------
    dict
        ``kpis``: :func:`compute_order_kpis`; ``churn``: ``as_of``, ``churn_days``,
        ``customers`` (acquired in the date range: first order on or after its start),
        ``churned`` (no order in the ``churn_days`` days ending with "as of"),
        ``churned_share``, ``repeat_customers``, ``median_days_to_second`` (None without
        repeat buyers). ``churn_days=None``: the churn figures are not wanted (zeros).
    """
    if churn_days is not None:
        check_days(churn_days, "The churn window")
    kpis = {"customers": 0, "orders": 0, "revenue": 0.0, "aov": None,
            "purchase_frequency": None, "repeat_purchase_rate": None}
    scope = resolve_scope(con, filters, "week", as_of)
    churn: dict[str, Any] = {"as_of": scope.as_of if scope else None,
                             "churn_days": churn_days, "customers": 0, "churned": 0,
                             "churned_share": None, "repeat_customers": 0,
                             "median_days_to_second": None}
    if scope is None:
        return {"kpis": kpis, "churn": churn}
    sql = customer_orders_sql(con, "retention/customer_tiles")
    row = query_frame(con, sql, scope_params(filters, scope, churn_days=churn_days)
                      ).row(0, named=True)
    kpis.update(customers=int(row["customers"]), orders=int(row["orders"]),
                revenue=float(row["revenue"]),
                **{k: None if row[k] is None else float(row[k])
                   for k in ("aov", "purchase_frequency", "repeat_purchase_rate")})
    acquired, median_days = int(row["acquired_customers"]), row["median_days_to_second"]
    churn.update(customers=acquired, churned=int(row["churned"]),
                 churned_share=int(row["churned"]) / acquired if acquired else None,
                 repeat_customers=int(row["acquired_repeat_customers"]),
                 median_days_to_second=None if median_days is None else float(median_days))
    return {"kpis": kpis, "churn": churn}


def compute_weekly_order_kpis(con: duckdb.DuckDBPyConnection, filters: Filters,
                              as_of: date | None = None) -> pl.DataFrame:
    """The order KPIs per ISO week, oldest first.

    Every week from the first selected order's week to the week of "as of" has a row
    (a week without orders: zeros and None). ``repeat_purchase_rate`` of a week is the
    share of that week's customers who have 2+ orders up to the week's end (orders
    counted within the filters), not the repeat rate of the week's orders alone.

    Returns
    -------
    polars.DataFrame
        ``week`` (Monday, ``pl.Date``) and the keys of :func:`compute_order_kpis`.
    """
    scope = resolve_scope(con, filters, "week", as_of)
    if scope is None:
        return pl.DataFrame(schema=WEEKLY_SCHEMA)
    sql = customer_orders_sql(con, "retention/weekly_order_kpis")
    frame = query_frame(con, sql, scope_params(filters, scope))
    if frame.is_empty():
        return pl.DataFrame(schema=WEEKLY_SCHEMA)
    return frame.select([pl.col(n).cast(t) for n, t in WEEKLY_SCHEMA.items()])
