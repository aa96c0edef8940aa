"""Figures of the Customer value page: plot_*(frame, ...) -> plotly Figure."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from retention_core.charts import latest_cohorts

ACTUAL = "#1f77b4"
MODEL = "#ff7f0e"
MUTED = "#9aa0a6"


def _layout(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, hovermode="x unified",
                      margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def plot_clv_histogram(histogram: pl.DataFrame, *, log_scale: bool = False) -> go.Figure:
    """Customers per historic-CLV bin (frame of ``compute_clv_histogram``) as a filled
    step outline, so it reads the same on a linear or a log axis."""
    xs, ys = [], []
    for start, end, count in histogram.select("bin_start", "bin_end", "customers").iter_rows():
        if log_scale and start <= 0:  # the "zero or less" bin has no place on a log axis
            continue
        xs += [start, end]
        ys += [count, count]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", fill="tozeroy", name="customers",
                               line={"color": ACTUAL, "shape": "linear"},
                               hovertemplate="%{x:,.2f}: %{y} customers<extra></extra>"))
    fig.update_xaxes(type="log" if log_scale else "linear")
    return _layout(fig, "Historic CLV per customer", "revenue to date per customer",
                   "customers")


def plot_lorenz_curve(lorenz: pl.DataFrame, *, gini: float | None = None) -> go.Figure:
    """Lorenz curve of revenue per customer against the line of equality."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="everyone equal",
                             line={"color": MUTED, "dash": "dash"}, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=lorenz["customer_share"], y=lorenz["revenue_share"],
                             mode="lines", name="customers", line={"color": ACTUAL},
                             hovertemplate="lowest %{x:.0%} of customers: %{y:.1%} of "
                                           "revenue<extra></extra>"))
    title = "Lorenz curve of customer revenue"
    if gini is not None:
        title += f" (Gini {gini:.2f})"
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return _layout(fig, title, "share of customers (lowest revenue first)",
                   "share of revenue")


def plot_cohort_value(cohort_value: pl.DataFrame, *, period: str = "month",
                      max_cohorts: int = 24) -> go.Figure:
    """Cumulative revenue per customer by cohort age, one line per cohort; the point of
    the partial (current) period is drawn open.

    At most the ``max_cohorts`` most recent cohorts get a line, and the title says so
    (eight years of weekly cohorts were 409 lines: 1 s to build, 2 MB per render, a
    legend nobody reads); the table behind the chart keeps every cohort.
    """
    fig = go.Figure()
    cohort_value, left_out = latest_cohorts(cohort_value, max_cohorts)
    title = "Cumulative revenue per customer by cohort age" + left_out
    for (cohort,), rows in cohort_value.sort("cohort", "age").group_by("cohort",
                                                                       maintain_order=True):
        label = f"{cohort:%Y-%m-%d} ({rows['customers'][0]})"
        partial = rows["is_partial"].to_list()
        fig.add_trace(go.Scatter(
            x=rows["age"], y=rows["cumulative_revenue_per_customer"], mode="lines+markers",
            name=label,
            marker={"symbol": ["circle-open" if p else "circle" for p in partial], "size": 5},
            hovertemplate=f"cohort {label}<br>age %{{x}}: %{{y:,.2f}} per customer"
                          "<extra></extra>"))
    fig = _layout(fig, title, f"{period}s since the first order", "revenue per customer")
    fig.update_layout(hovermode="closest", legend={"orientation": "v"})
    return fig


def plot_holdout_by_frequency(by_frequency: pl.DataFrame) -> go.Figure:
    """Mean repeat purchases in the holdout, actual vs predicted, by calibration frequency
    (Fader, Hardie & Lee 2005, figure 4)."""
    fig = go.Figure()
    labels = by_frequency["label"].to_list()
    fig.add_trace(go.Bar(x=labels, y=by_frequency["actual_mean"], name="actual",
                         marker_color=ACTUAL, customdata=by_frequency["customers"],
                         hovertemplate="%{y:.2f} (%{customdata} customers)<extra>actual"
                                       "</extra>"))
    fig.add_trace(go.Bar(x=labels, y=by_frequency["predicted_mean"], name="model",
                         marker_color=MODEL,
                         hovertemplate="%{y:.2f}<extra>model</extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    return _layout(fig, "Holdout purchases by calibration frequency",
                   "repeat purchases in the calibration window",
                   "mean repeat purchases in the holdout")


def plot_cumulative_repeat_purchases(tracking: pl.DataFrame,
                                     calibration_end: date) -> go.Figure:
    """Cumulative repeat purchases over time, actual vs model (FHL 2005, figure 3), with
    the calibration end marked."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=tracking["day"], y=tracking["actual_cumulative"], mode="lines",
                             name="actual", line={"color": ACTUAL}))
    fig.add_trace(go.Scatter(x=tracking["day"], y=tracking["expected_cumulative"],
                             mode="lines", name="model", line={"color": MODEL, "dash": "dash"}))
    fig.add_shape(type="line", x0=calibration_end, x1=calibration_end, y0=0, y1=1,
                  xref="x", yref="paper", line={"color": MUTED, "dash": "dot"})
    fig.add_annotation(x=calibration_end, y=1, xref="x", yref="paper", text="calibration end",
                       showarrow=False, yanchor="bottom")
    return _layout(fig, "Cumulative repeat purchases", "day", "repeat purchases")


def plot_segment_sizes(segments: pl.DataFrame) -> go.Figure:
    """Share of customers and share of revenue per RFM segment (horizontal bars)."""
    names = segments["segment"].to_list()[::-1]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=segments["customer_share"].to_list()[::-1],
                         orientation="h", name="customers", marker_color=ACTUAL,
                         hovertemplate="%{x:.1%} of customers<extra></extra>"))
    fig.add_trace(go.Bar(y=names, x=segments["revenue_share"].to_list()[::-1],
                         orientation="h", name="revenue", marker_color=MODEL,
                         hovertemplate="%{x:.1%} of revenue<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickformat=".0%")
    fig = _layout(fig, "RFM segments", "share", "")
    fig.update_layout(hovermode="closest")
    return fig
