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
from retention_core.metrics.retention_scope import resolve_scope, scope_params
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
    empty = {"customers": 0, "orders": 0, "revenue": 0.0, "aov": None,
             "purchase_frequency": None, "repeat_purchase_rate": None}
    scope = resolve_scope(con, filters, "week", as_of)
    if scope is None:
        return empty
    sql = customer_orders_sql(con, "retention/order_kpis")
    frame = query_frame(con, sql, scope_params(filters, scope))
    row = frame.row(0, named=True)
    return {
        "customers": int(row["customers"]),
        "orders": int(row["orders"]),
        "revenue": float(row["revenue"]),
        **{k: None if row[k] is None else float(row[k])
           for k in ("aov", "purchase_frequency", "repeat_purchase_rate")},
    }


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
