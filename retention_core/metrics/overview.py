"""The Overview: KPI tiles per period with change and sparkline, and what changed.

Order-based KPIs per period come from ``sql/overview/period_order_kpis.sql``; NPS, CSAT
and cart abandonment from the satisfaction and funnel modules, so each number equals
the one on its own page.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from retention_core.filters import Filters
from retention_core.metrics.common import check_period
from retention_core.sql import load_sql, query_frame


def compute_period_order_kpis(con: duckdb.DuckDBPyConnection, filters: Filters,
                              period: str = "week") -> pl.DataFrame:
    """Order KPIs per period, oldest first.

    Columns: period_start, revenue, orders, customers, new_customers (first kept order in
    the period), returning_customers (ordered in the period, first order earlier), aov
    (revenue / orders, guests included), repeat_purchase_rate (share of the period's
    customers with 2+ orders up to the period's end), average_clv (historic CLV at the
    period's end: revenue to date of customers / customers to date).
    """
    check_period(period)
    params = {**filters.params(), "period": period}
    frame = query_frame(con, load_sql("overview/period_order_kpis"), params)
    return frame.with_columns(pl.col("period_start").cast(pl.Date))


def last_complete_period(latest: date, period: str) -> date:
    """Start of the last complete period before the one containing ``latest``.

    The period holding the latest data is partial (SPEC.md), so the tiles compare the
    one before it with its predecessor.
    """
    from retention_core.metrics.common import period_start

    current = period_start(latest, period)
    return period_start(current.fromordinal(current.toordinal() - 1), period)
