"""Overview figures: the last periods of every KPI as small multiples."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from retention_core.metrics.overview import KPIS, SPARK_PERIODS

_SCALE = {"rate": 100.0}
_SUFFIX = {"rate": "%", "percent": "%", "points": "", "money": "", "count": ""}


def plot_kpi_trends(series: pl.DataFrame, current_start, columns: int = 4) -> go.Figure:
    """Small multiples of each KPI over the last 12 periods up to ``current_start``.

    The period after ``current_start`` (partial) is drawn dotted so it never reads as a
    drop.
    """
    shown = series.filter(pl.col("period_start") <= current_start).tail(SPARK_PERIODS)
    partial = series.filter(pl.col("period_start") > current_start).head(1)
    rows = math.ceil(len(KPIS) / columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[k.label for k in KPIS],
                        vertical_spacing=0.12, horizontal_spacing=0.06)
    for i, spec in enumerate(KPIS):
        r, c = divmod(i, columns)
        scale = _SCALE.get(spec.unit, 1.0)
        if spec.key not in shown.columns:
            continue
        y = [None if v is None else v * scale for v in shown.get_column(spec.key).to_list()]
        x = shown.get_column("period_start").to_list()
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines+markers", name=spec.label, showlegend=False,
            line={"color": "#2f6fde", "width": 2}, marker={"size": 4},
            hovertemplate=f"%{{x|%Y-%m-%d}}: %{{y:,.1f}}{_SUFFIX[spec.unit]}<extra></extra>",
        ), row=r + 1, col=c + 1)
        if partial.height and x:
            last = partial.get_column(spec.key).item()
            if last is not None and y[-1] is not None:
                fig.add_trace(go.Scatter(
                    x=[x[-1], partial.get_column("period_start").item()], y=[y[-1], last * scale],
                    mode="lines", line={"color": "#9aa3b2", "dash": "dot"}, showlegend=False,
                    hovertemplate="%{x|%Y-%m-%d} (partial): %{y:,.1f}<extra></extra>",
                ), row=r + 1, col=c + 1)
    fig.update_layout(height=190 * rows, margin={"l": 30, "r": 10, "t": 40, "b": 20},
                      template="plotly_white")
    fig.update_xaxes(showgrid=False, tickformat="%b %d", nticks=4)
    fig.update_annotations(font_size=12)
    return fig
