"""Figures of the cart funnel page: the funnel, weekly cart abandonment, the funnel per
device or source, time to purchase. Each takes a frame from ``metrics.funnel``."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from retention_core.metrics.funnel import STAGE_LABELS

FUNNEL_COLOUR = "#3366cc"
RATE_COLOUR = "#d64541"
PARTIAL_COLOUR = "#9aa0a6"
GROUP_COLOURS = ("#3366cc", "#e0a526", "#2e9e5b", "#d64541", "#8e6bbf", "#3fa7b5",
                 "#c2649a", "#7a8b99")


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis={"visible": False}, yaxis={"visible": False},
                      annotations=[{"text": message, "showarrow": False, "x": 0.5, "y": 0.5,
                                    "xref": "paper", "yref": "paper"}])
    return fig


def _label(stage: str) -> str:
    return STAGE_LABELS.get(stage, stage)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def plot_funnel(steps: pl.DataFrame, unit: str = "session") -> go.Figure:
    """The funnel from :func:`~retention_core.metrics.funnel.compute_funnel`: one bar per
    step with its units, conversion from the first step and from the previous one."""
    title = f"Funnel ({unit}s)"
    if steps.is_empty():
        return _empty(title, "No funnel events")
    rows = list(steps.select("units", "conversion_from_first", "conversion_from_previous",
                             "drop_off").iter_rows())
    text = [f"{units:,} ({_pct(first)})" for units, first, _, _ in rows]
    hover = [f"{_pct(first)} of the first step"
             + ("" if prev is None else f"<br>{_pct(prev)} of the previous step, {lost:,} lost")
             for _, first, prev, lost in rows]
    fig = go.Figure(go.Funnel(
        y=[_label(s) for s in steps["stage"]], x=steps["units"].to_list(),
        text=text, textinfo="text", textposition="outside", constraintext="none",
        marker={"color": FUNNEL_COLOUR}, connector={"fillcolor": "#dbe4f5"},
        customdata=hover,
        hovertemplate="%{y}: %{x:,} " + unit + "s<br>%{customdata}<extra></extra>",
    ))
    # room on the right for the label outside the widest bar
    fig.update_layout(title=title, margin={"l": 110, "r": 130})
    return fig


def plot_abandonment_trend(trend: pl.DataFrame, label: str = "Cart abandonment") -> go.Figure:
    """Weekly cart abandonment (from ``compute_abandonment_trend``) as a line; partial
    weeks (whose units can still convert) as open grey markers, noted in the hover."""
    title = f"{label} by week"
    trend = trend.filter(pl.col("cart_abandonment_rate").is_not_null())
    if trend.is_empty():
        return _empty(title, "No week with carts and purchases to compare")
    partial = trend["is_partial"].to_list()
    fig = go.Figure(go.Scatter(
        x=trend["week"].to_list(), y=trend["cart_abandonment_rate"].to_list(),
        mode="lines+markers", name=label, line={"color": RATE_COLOUR},
        marker={"symbol": ["circle-open" if p else "circle" for p in partial],
                "color": [PARTIAL_COLOUR if p else RATE_COLOUR for p in partial], "size": 8},
        customdata=list(zip(trend["carts"].to_list(), trend["purchases"].to_list(),
                            ["(partial: units may still convert)" if p else "" for p in partial],
                            strict=True)),
        hovertemplate=("week of %{x|%Y-%m-%d}: %{y:.1%}<br>%{customdata[0]:,} carts, "
                       "%{customdata[1]:,} purchases %{customdata[2]}<extra></extra>"),
    ))
    fig.update_layout(title=title, yaxis={"title": label, "tickformat": ".0%", "rangemode": "tozero"},
                      xaxis={"title": "week starting"}, hovermode="x unified")
    return fig


def plot_funnel_breakdown(steps_by: pl.DataFrame, dimension: str, top: int = 8) -> go.Figure:
    """Conversion from the first step per stage, one bar group per device or source
    (from ``compute_funnel_by``); the ``top`` largest groups are drawn."""
    title = f"Conversion from first step by {dimension}"
    if steps_by.is_empty():
        return _empty(title, "No funnel events")
    groups = steps_by["group"].unique(maintain_order=True).to_list()[:top]
    fig = go.Figure()
    for i, group in enumerate(groups):
        part = steps_by.filter(pl.col("group") == group)
        fig.add_trace(go.Bar(
            name=group, x=[_label(s) for s in part["stage"]],
            y=part["conversion_from_first"].to_list(),
            marker={"color": GROUP_COLOURS[i % len(GROUP_COLOURS)]},
            customdata=part["units"].to_list(),
            hovertemplate=f"{group}<br>" + "%{x}: %{y:.1%} (%{customdata:,})<extra></extra>",
        ))
    fig.update_layout(title=title, barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1]},
                      legend={"orientation": "h"})
    return fig


def plot_time_to_purchase(buckets: pl.DataFrame, unit: str = "session") -> go.Figure:
    """Converted units per bucket of time from step 1 to purchase
    (from ``compute_time_to_purchase``)."""
    title = "Time to purchase"
    if buckets.is_empty():
        return _empty(title, "No purchases in the funnel")
    fig = go.Figure(go.Bar(
        x=buckets["bucket"].to_list(), y=buckets["units"].to_list(),
        marker={"color": FUNNEL_COLOUR}, customdata=buckets["share"].to_list(),
        hovertemplate="%{x}: %{y:,} " + unit + "s (%{customdata:.1%})<extra></extra>",
    ))
    fig.update_layout(title=title, xaxis={"title": "from first step to purchase"},
                      yaxis={"title": f"{unit}s"}, bargap=0.15)
    return fig
