"""Plotly figures, one module per page: plot_*(frame, ...) -> go.Figure; no streamlit."""

from __future__ import annotations

import polars as pl


def latest_cohorts(frame: pl.DataFrame, max_cohorts: int) -> tuple[pl.DataFrame, str]:
    """The rows of the ``max_cohorts`` most recent values of ``cohort``, and what to add to
    the chart's title when older ones were left out (else ``""``).

    A chart with a row or a line per cohort stays readable and small to send this way
    (eight years of weekly cohorts: ~410); the table behind it keeps every cohort.
    """
    cohorts = frame.get_column("cohort").unique().sort()
    if cohorts.len() <= max_cohorts:
        return frame, ""
    return (frame.filter(pl.col("cohort") >= cohorts[-max_cohorts]),
            f": the latest {max_cohorts} of {cohorts.len()} cohorts")
