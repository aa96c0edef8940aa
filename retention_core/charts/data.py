"""Figures of the Data page: rows per day of each table, so gaps in the data are visible."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

SERIES_ORDER = ("orders", "excluded orders", "answers", "events")
SERIES_COLOURS = {
    "orders": "#3366cc",
    "excluded orders": "#9aa0a6",
    "answers": "#2e9e5b",
    "events": "#e0a526",
}
SERIES_LABELS = {
    "orders": "Orders (kept)",
    "excluded orders": "Excluded orders",
    "answers": "Survey answers",
    "events": "Funnel events",
}


def plot_daily_activity(daily: pl.DataFrame) -> go.Figure:
    """Rows per day, one panel per table, on a shared date axis.

    ``daily`` is :func:`retention_core.ingest.activity.compute_daily_activity`: days with
    no rows inside a series' range are 0, drawn as bars down to zero so a missing export
    stands out. Each panel has its own y scale (events outnumber orders by far).
    """
    present = [s for s in SERIES_ORDER if s in set(daily.get_column("series").to_list())] \
        if not daily.is_empty() else []
    if not present:
        fig = go.Figure()
        fig.update_layout(title="Rows per day", xaxis={"visible": False},
                          yaxis={"visible": False},
                          annotations=[{"text": "No data imported yet", "showarrow": False,
                                        "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}])
        return fig
    fig = make_subplots(rows=len(present), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[SERIES_LABELS[s] for s in present])
    for i, series in enumerate(present, start=1):
        part = daily.filter(pl.col("series") == series).sort("day")
        fig.add_trace(go.Bar(
            x=part.get_column("day").to_list(), y=part.get_column("rows").to_list(),
            name=SERIES_LABELS[series], marker_color=SERIES_COLOURS[series],
            hovertemplate="%{x|%Y-%m-%d}: %{y:,} " + series + "<extra></extra>"),
            row=i, col=1)
        fig.update_yaxes(title_text="per day", rangemode="tozero", row=i, col=1)
    fig.update_layout(title="Rows per day (days with none show as gaps)", showlegend=False,
                      bargap=0, height=180 + 160 * len(present), margin={"t": 80})
    return fig
