"""The headline KPIs (SPEC.md, CLI `kpis`): over all the data, and per ISO week.

Assembled from the metric modules, so every number here is the one the pages show:
orders and customers from ``retention``, NPS/CSAT from ``satisfaction``, cart
abandonment from ``funnel``. A source with no data gives ``None`` (null in JSON), never 0.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from retention_core.filters import Filters

KPI_KEYS = ("customers", "orders", "revenue", "aov", "purchase_frequency",
            "repeat_purchase_rate", "nps", "csat", "cart_abandonment_rate")


def compute_kpis(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, Any]:
    """The KPI values over everything the filters select.

    Returns
    -------
    dict
        ``KPI_KEYS`` -> value; rates as fractions, NPS in points, CSAT in percent;
        ``None`` where the data for a KPI is missing.
    """
    from retention_core.metrics.funnel import compute_cart_abandonment
    from retention_core.metrics.retention import compute_order_kpis
    from retention_core.metrics.satisfaction import compute_score_summary

    out: dict[str, Any] = dict.fromkeys(KPI_KEYS)
    out.update(compute_order_kpis(con, filters))
    for survey in ("nps", "csat"):
        summary = compute_score_summary(con, filters, survey)
        out[survey] = summary["score"] if summary else None
    out["cart_abandonment_rate"] = compute_cart_abandonment(con, filters)
    return {k: out[k] for k in KPI_KEYS}


def compute_weekly_kpis(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """One row per ISO week (``week`` = its Monday, oldest first) with every KPI.

    Weeks with no data of a source have nulls in that source's columns.
    """
    from retention_core.metrics.funnel import compute_weekly_cart_abandonment
    from retention_core.metrics.retention import compute_weekly_order_kpis
    from retention_core.metrics.satisfaction import compute_weekly_scores

    parts = [
        compute_weekly_order_kpis(con, filters),
        compute_weekly_scores(con, filters).select("week", "nps", "csat"),
        compute_weekly_cart_abandonment(con, filters).select("week", "cart_abandonment_rate"),
    ]
    weekly = pl.DataFrame(schema={"week": pl.Date})
    for part in parts:
        part = part.with_columns(pl.col("week").cast(pl.Date))
        weekly = weekly.join(part, on="week", how="full", coalesce=True)
    for key in KPI_KEYS:
        if key not in weekly.columns:
            weekly = weekly.with_columns(pl.lit(None, dtype=pl.Float64).alias(key))
    return weekly.select("week", *KPI_KEYS).sort("week")
