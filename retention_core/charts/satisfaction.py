"""Figures of the satisfaction page: NPS / CSAT trend, distribution, segments, outcomes
after answering, frequent words. Each takes a frame from ``metrics.satisfaction``."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

GROUP_COLOURS = {
    "promoter": "#2e9e5b",
    "passive": "#e0a526",
    "detractor": "#d64541",
    "satisfied": "#2e9e5b",
    "unsatisfied": "#d64541",
}
GROUP_LABELS = {
    "promoter": "Promoters (9-10)",
    "passive": "Passives (7-8)",
    "detractor": "Detractors (0-6)",
    "satisfied": "Satisfied (4-5)",
    "unsatisfied": "Unsatisfied (1-3)",
}
SMALL_COLOUR = "#9aa0a6"
SCORE_COLOUR = "#3366cc"
BAND_COLOUR = "rgba(51, 102, 204, 0.18)"
_TITLES = {"nps": "NPS", "csat": "CSAT (%)"}
_RANGES = {"nps": [-100, 100], "csat": [0, 100]}
_LEGEND_ON_TOP = {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"}


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis={"visible": False}, yaxis={"visible": False},
                      annotations=[{"text": message, "showarrow": False, "x": 0.5, "y": 0.5,
                                    "xref": "paper", "yref": "paper"}])
    return fig


def plot_score_trend(trend: pl.DataFrame, survey: str, period: str = "month",
                     min_answers: int = 30) -> go.Figure:
    """Score per period as a line, its 95% interval as a band.

    Periods with fewer than ``min_answers`` answers have open markers; the partial
    period (the one containing "as of") a grey diamond and "(partial)" in its hover.
    """
    name = _TITLES[survey]
    if trend.is_empty():
        return _empty(f"{name} by {period}", "No dated answers")
    x = trend["period_start"].to_list()
    low, high = trend["low"].to_list(), trend["high"].to_list()
    small = trend["is_small"].to_list()
    partial = trend["is_partial"].to_list()
    symbols = ["diamond-open" if p else ("circle-open" if s else "circle")
               for s, p in zip(small, partial, strict=True)]
    colours = [SMALL_COLOUR if p else SCORE_COLOUR for p in partial]
    notes = [("(partial period) " if p else "") + (f"fewer than {min_answers} answers" if s else "")
             for s, p in zip(small, partial, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x + x[::-1], y=high + low[::-1], fill="toself", fillcolor=BAND_COLOUR,
        line={"width": 0}, hoverinfo="skip", name="95% interval", mode="lines",
    ))
    fig.add_trace(go.Scatter(
        x=x, y=trend["score"].to_list(), mode="lines+markers", name=name,
        line={"color": SCORE_COLOUR},
        marker={"symbol": symbols, "color": colours, "size": 8},
        customdata=list(zip(trend["answers"].to_list(), low, high, notes, strict=True)),
        hovertemplate=("%{x|%Y-%m-%d}: %{y:.1f}<br>95% interval %{customdata[1]:.1f} to "
                       "%{customdata[2]:.1f}<br>%{customdata[0]} answers %{customdata[3]}"
                       "<extra></extra>"),
    ))
    fig.update_layout(title=f"{name} by {period}", hovermode="x unified",
                      yaxis={"title": name, "range": _RANGES[survey]},
                      xaxis={"title": f"{period} starting"}, legend=_LEGEND_ON_TOP)
    return fig


def plot_score_distribution(distribution: pl.DataFrame, survey: str) -> go.Figure:
    """Answers per score, one bar colour per answer group (detractors / passives /
    promoters; unsatisfied / satisfied)."""
    name = _TITLES[survey].split(" ")[0]
    fig = go.Figure()
    groups = distribution["answer_group"].unique(maintain_order=True).to_list()
    for group in groups:
        part = distribution.filter(pl.col("answer_group") == group)
        share = part["share"].to_list()
        fig.add_trace(go.Bar(
            x=part["score"].to_list(), y=part["answers"].to_list(),
            name=GROUP_LABELS[group], marker_color=GROUP_COLOURS[group],
            text=[f"{s:.0%}" if s is not None else "" for s in share], textposition="outside",
            hovertemplate="score %{x}: %{y} answers<extra></extra>",
        ))
    fig.update_layout(title=f"{name} answers by score", bargap=0.15,
                      xaxis={"title": "score", "dtick": 1}, yaxis={"title": "answers"},
                      legend=_LEGEND_ON_TOP)
    return fig


def plot_segment_scores(segments: pl.DataFrame, segment: str, survey: str,
                        overall: float | None = None, min_answers: int = 30) -> go.Figure:
    """One segment's groups sorted by score (best on top), with 95% intervals and the
    number of answers; groups under ``min_answers`` in grey, marked "small"."""
    name = _TITLES[survey]
    part = segments.filter(pl.col("segment") == segment)
    if part.is_empty():
        return _empty(f"{name} by {segment}", f"No answers with a {segment}")
    part = part.reverse()  # plotly draws the first category at the bottom
    small = part["is_small"].to_list()
    score = part["score"].to_list()
    labels = [f"{v} (n={n}{', small' if s else ''})" for v, n, s in
              zip(part["segment_value"].to_list(), part["answers"].to_list(), small, strict=True)]
    fig = go.Figure(go.Scatter(
        x=score, y=labels, mode="markers", name=name,
        marker={"color": [SMALL_COLOUR if s else SCORE_COLOUR for s in small], "size": 10},
        error_x={"type": "data", "symmetric": False,
                 "array": [h - v for h, v in zip(part["high"].to_list(), score, strict=True)],
                 "arrayminus": [v - lo for v, lo in zip(score, part["low"].to_list(), strict=True)],
                 "color": "#5f6368"},
        customdata=list(zip(part["answers"].to_list(), part["low"].to_list(),
                            part["high"].to_list(), strict=True)),
        hovertemplate=("%{y}: %{x:.1f}<br>95% interval %{customdata[1]:.1f} to "
                       "%{customdata[2]:.1f}<extra></extra>"),
    ))
    if overall is not None:
        fig.add_vline(x=overall, line_dash="dot", line_color="#5f6368",
                      annotation_text="all answers", annotation_position="top")
    fig.update_layout(title=f"{name} by {segment}", xaxis={"title": name, "range": _RANGES[survey]},
                      yaxis={"title": None, "type": "category"},
                      height=max(260, 60 + 34 * part.height), showlegend=False)
    if any(small):
        fig.add_annotation(text=f"grey: fewer than {min_answers} answers", showarrow=False,
                           xref="paper", yref="paper", x=1, y=-0.18, xanchor="right")
    return fig


def plot_outcomes_after_answer(outcomes: pl.DataFrame) -> go.Figure:
    """Repeat purchase rate (with 95% interval), orders and revenue per customer after
    the answer, one bar per answer group, group sizes in the labels."""
    groups = outcomes["answer_group"].to_list()
    labels = [f"{GROUP_LABELS[g].split(' (')[0]}<br>n={n}"
              for g, n in zip(groups, outcomes["customers"].to_list(), strict=True)]
    colours = [SMALL_COLOUR if s else GROUP_COLOURS[g]
               for g, s in zip(groups, outcomes["is_small"].to_list(), strict=True)]
    fig = make_subplots(rows=1, cols=3, subplot_titles=(
        "Bought again after answering", "Orders per customer after", "Revenue per customer after"))
    rate = outcomes["repeat_rate"].to_list()
    fig.add_trace(go.Bar(
        x=labels, y=rate, marker_color=colours, name="repeat purchase rate",
        error_y={"type": "data", "symmetric": False,
                 "array": [None if r is None else h - r
                           for h, r in zip(outcomes["repeat_high"].to_list(), rate, strict=True)],
                 "arrayminus": [None if r is None else r - lo
                                for r, lo in zip(rate, outcomes["repeat_low"].to_list(), strict=True)]},
        hovertemplate="%{x}: %{y:.1%}<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Bar(x=labels, y=outcomes["orders_per_customer"].to_list(),
                         marker_color=colours, name="orders per customer",
                         hovertemplate="%{x}: %{y:.2f}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Bar(x=labels, y=outcomes["revenue_per_customer"].to_list(),
                         marker_color=colours, name="revenue per customer",
                         hovertemplate="%{x}: %{y:,.2f}<extra></extra>"), row=1, col=3)
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(rangemode="tozero", row=1, col=2)
    fig.update_yaxes(rangemode="tozero", row=1, col=3)
    fig.update_layout(showlegend=False, title="What customers bought after answering")
    return fig


def plot_top_words(words: pl.DataFrame, survey: str) -> go.Figure:
    """The most frequent comment words, one panel per answer group (share of the
    group's comments mentioning the word)."""
    groups = words["answer_group"].unique(maintain_order=True).to_list()
    if not groups:
        return _empty("Frequent words in comments", "No comments")
    fig = make_subplots(rows=1, cols=len(groups),
                        subplot_titles=[GROUP_LABELS[g] for g in groups],
                        horizontal_spacing=0.12)
    for i, group in enumerate(groups, start=1):
        part = words.filter(pl.col("answer_group") == group).reverse()
        fig.add_trace(go.Bar(
            x=part["share"].to_list(), y=part["word"].to_list(), orientation="h",
            marker_color=GROUP_COLOURS[group], name=GROUP_LABELS[group],
            customdata=part["comments"].to_list(),
            hovertemplate="%{y}: %{customdata} comments (%{x:.0%})<extra></extra>",
        ), row=1, col=i)
        fig.update_xaxes(tickformat=".0%", row=1, col=i)
    height = max(300, 80 + 22 * int(words.group_by("answer_group").len()["len"].max()))
    fig.update_layout(title=f"Frequent words in {_TITLES[survey].split(' ')[0]} comments",
                      showlegend=False, height=height)
    return fig
