"""Order KPIs for the KPI tiles and the ``kpis`` command (SPEC.md, "Metric definitions").

- customers = distinct customer_id over kept orders;
- orders, revenue: every kept order, guest orders included;
- AOV = revenue / orders; purchase frequency = orders with a customer_id / customers;
- repeat purchase rate = customers with 2+ orders / customers with 1+ orders.

All over the orders the filters select, up to "as of" (default: the latest order date).
A ratio with an empty denominator is None.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb
import polars as pl

from retention_core.filters import Filters
from retention_core.metrics.common import customer_orders_sql, next_period_start, period_start
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
                            churn_days: int | None, as_of: date | None = None, *,
                            period: str = "month", activity_days: int | None = None
                            ) -> dict[str, dict[str, Any]]:
    """The Retention page's KPI tiles from one pass over the orders
    (``retention/customer_tiles.sql``): the order KPIs, the churn figures and the customer
    retention rate of the last complete period all group the orders up to "as of" by
    customer.

    Returns
    -------
    dict
        ``kpis``: :func:`compute_order_kpis`; ``churn``: ``as_of``, ``churn_days``,
        ``customers`` (acquired in the date range: first order on or after its start),
        ``churned`` (no order in the ``churn_days`` days ending with "as of"),
        ``churned_share``, ``repeat_customers``, ``median_days_to_second`` (None without
        repeat buyers); ``crr``: ``crr`` and ``period_start`` of the latest complete
        ``period`` with a customer retention rate, exactly
        ``latest_complete_crr(compute_customer_retention_rate(...))`` (an activity window
        of ``activity_days``). ``churn_days=None`` / ``activity_days=None``: those figures
        are not wanted (zeros / None).
    """
    if churn_days is not None:
        check_days(churn_days, "The churn window")
    if activity_days is not None:
        check_days(activity_days, "The activity window")
    kpis = {"customers": 0, "orders": 0, "revenue": 0.0, "aov": None,
            "purchase_frequency": None, "repeat_purchase_rate": None}
    scope = resolve_scope(con, filters, period, as_of)
    churn: dict[str, Any] = {"as_of": scope.as_of if scope else None,
                             "churn_days": churn_days, "customers": 0, "churned": 0,
                             "churned_share": None, "repeat_customers": 0,
                             "median_days_to_second": None}
    crr: dict[str, Any] = {"crr": None, "period_start": None}
    if scope is None:
        return {"kpis": kpis, "churn": churn, "crr": crr}
    # the last complete period: the one containing "as of" if it ends there, else the one before
    crr_start = (period_start(scope.current_start - timedelta(days=1), period)
                 if scope.current_partial else scope.current_start)
    crr_end = next_period_start(crr_start, period)
    wanted = activity_days is not None
    sql = customer_orders_sql(con, "retention/customer_tiles")
    row = query_frame(con, sql, scope_params(
        filters, scope, churn_days=churn_days, activity_days=activity_days or 0,
        crr_start=_midnight(crr_start) if wanted else None,
        crr_end=_midnight(crr_end) if wanted else None)).row(0, named=True)
    kpis.update(customers=int(row["customers"]), orders=int(row["orders"]),
                revenue=float(row["revenue"]),
                **{k: None if row[k] is None else float(row[k])
                   for k in ("aov", "purchase_frequency", "repeat_purchase_rate")})
    acquired, median_days = int(row["acquired_customers"]), row["median_days_to_second"]
    churn.update(customers=acquired, churned=int(row["churned"]),
                 churned_share=int(row["churned"]) / acquired if acquired else None,
                 repeat_customers=int(row["acquired_repeat_customers"]),
                 median_days_to_second=None if median_days is None else float(median_days))
    if wanted:
        crr = _latest_crr(con, filters, as_of, period, activity_days, row, crr_start)
    return {"kpis": kpis, "churn": churn, "crr": crr}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _latest_crr(con: duckdb.DuckDBPyConnection, filters: Filters, as_of: date | None,
                period: str, activity_days: int, row: dict[str, Any],
                start: date) -> dict[str, Any]:
    """The tile's CRR from the S, E and N of the last complete period counted in the tiles
    query. The CRR series starts at the period of the first order in scope (or of the range
    start, if later); when the last complete period is before that or has S = 0, the tile
    shows an earlier period, found in the series itself."""
    first = row["first_order_at"]
    begins = (period_start(max(first.date(), filters.start or first.date()), period)
              if first is not None else None)
    customers_start = int(row["crr_start_customers"])
    if begins is None or start < begins or customers_start == 0:
        from retention_core.metrics.retention import (
            compute_customer_retention_rate,
            latest_complete_crr,
        )

        return latest_complete_crr(compute_customer_retention_rate(
            con, filters, period, activity_days, as_of=as_of))
    retained = int(row["crr_end_customers"]) - int(row["crr_new_customers"])
    return {"crr": retained / customers_start, "period_start": start}


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
