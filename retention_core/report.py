"""The weekly report founders forward: KPI tiles, what changed, and the key charts.

``build_report_html`` is what the Overview page's download button and
``python -m retention_core report --out FILE.html`` both produce.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import plotly.graph_objects as go

from retention_core.errors import RetentionError
from retention_core.filters import Filters
from retention_core.metrics.overview import compute_overview
from retention_core.report_html import ReportContent, ReportSection, render_report

SectionBuilder = Callable[[duckdb.DuckDBPyConnection, Filters, str], go.Figure | None]


def _retention_heatmap(con: duckdb.DuckDBPyConnection, filters: Filters, period: str) -> go.Figure | None:
    from retention_core.charts.retention import plot_retention_heatmap
    from retention_core.metrics.retention import compute_cohort_table

    table = compute_cohort_table(con, filters, "month")
    return plot_retention_heatmap(table) if table.height else None


def _clv_distribution(con: duckdb.DuckDBPyConnection, filters: Filters, period: str) -> go.Figure | None:
    from retention_core.charts.clv import plot_clv_histogram
    from retention_core.metrics.historic_value import compute_value_histogram

    histogram = compute_value_histogram(con, filters, log_scale=True)
    return plot_clv_histogram(histogram, log_scale=True) if histogram.height else None


def _nps_trend(con: duckdb.DuckDBPyConnection, filters: Filters, period: str) -> go.Figure | None:
    from retention_core.charts.satisfaction import plot_score_trend
    from retention_core.metrics.satisfaction import compute_score_trend

    # monthly: weekly NPS of a small shop is mostly noise
    trend = compute_score_trend(con, filters, "nps", "month")
    return plot_score_trend(trend, "nps", "month") if trend.height else None


def _funnel(con: duckdb.DuckDBPyConnection, filters: Filters, period: str) -> go.Figure | None:
    from retention_core.charts.funnel import plot_funnel
    from retention_core.metrics.funnel import compute_funnel

    steps = compute_funnel(con, filters)
    return plot_funnel(steps) if steps.height else None


SECTIONS: tuple[tuple[str, SectionBuilder, str], ...] = (
    ("Retention by monthly cohort", _retention_heatmap, "No orders with a customer id."),
    ("Customer lifetime value (historic)", _clv_distribution, "No orders with a customer id."),
    ("NPS by month", _nps_trend, "No dated NPS answers imported."),
    ("Cart funnel", _funnel, "No funnel events imported."),
)


def build_report_html(con: duckdb.DuckDBPyConnection, filters: Filters, period: str = "week",
                      as_of: date | None = None) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    period
        ``"week"`` (the weekly report) or ``"month"``.
    as_of
        Report on the last complete period up to this date (default: the latest data).
    """
    overview = compute_overview(con, filters, period, as_of)
    if overview.current_start is None:
        raise RetentionError("There is no data to report on: import orders, survey answers "
                             "or funnel events first.")
    scoped = Filters(filters.start, overview.as_of, filters.channels, filters.countries,
                     filters.devices)
    sections = []
    for title, builder, missing in SECTIONS:
        figure = builder(con, scoped, period)
        sections.append(ReportSection(title, figure, None if figure is not None else missing))
    previous = overview.tiles[0].get("previous_start") if overview.tiles else None
    compared = f" against the {period} of {previous:%Y-%m-%d}" if previous else ""
    content = ReportContent(
        title=f"Retention report: {period} of {overview.current_start:%Y-%m-%d}",
        subtitle=(f"Last complete {period}{compared}. Data up to {overview.as_of:%Y-%m-%d}. "
                  f"Filters: {filters.describe()}."),
        tiles=overview.tiles,
        sentences=overview.sentences,
        sections=sections,
    )
    return render_report(content)
