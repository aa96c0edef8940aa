"""Charts with one row or line per cohort draw at most the latest cohorts (charts/retention.py,
charts/clv.py)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from retention_core.charts.retention import plot_retention_heatmap


def _weekly_triangle(cohorts: int) -> pl.DataFrame:
    """A complete weekly triangle: cohort i (Mondays from 2024-01-01) has cohorts - i cells,
    cohort size 100 + i, retention 50% after k = 0."""
    first = date(2024, 1, 1)
    rows = []
    for i in range(cohorts):
        start = first + timedelta(weeks=i)
        for k in range(cohorts - i):
            retained = 100 + i if k == 0 else (100 + i) // 2
            rows.append({"cohort": start, "cohort_size": 100 + i, "period_index": k,
                         "period_start": start + timedelta(weeks=k), "retained": retained,
                         "rate": retained / (100 + i), "is_partial": k == cohorts - i - 1})
    return pl.DataFrame(rows)


def test_the_heatmap_keeps_the_latest_cohorts_and_says_so():
    fig = plot_retention_heatmap(_weekly_triangle(60), "week", max_cohorts=52)
    sizes, done, _partial = fig.data
    assert "the latest 52 of 60 cohorts" in fig.layout.title.text
    # rows: the 52 most recent cohorts (8 to 59), oldest first; their sizes in the left column
    assert [row[0] for row in sizes.z] == [100 + i for i in range(8, 60)]
    # the oldest cohort drawn (i = 8) has 52 cells: the columns are k = 0..51
    assert len(done.z) == 52 and len(done.z[0]) == 52
    assert list(fig.layout.yaxis.ticktext)[0] == "2024-02-26"  # the week 8 weeks after the first


def test_a_table_with_few_cohorts_is_drawn_whole():
    fig = plot_retention_heatmap(_weekly_triangle(10), "week", max_cohorts=52)
    assert "latest" not in fig.layout.title.text
    assert [row[0] for row in fig.data[0].z] == [100 + i for i in range(10)]


def test_cohort_value_draws_the_latest_cohorts_and_says_so():
    from retention_core.charts.clv import plot_cohort_value

    first = date(2024, 1, 1)
    rows = [{"cohort": first + timedelta(weeks=i), "age": k, "customers": 10 + i,
             "cumulative_revenue_per_customer": 5.0 * (k + 1), "is_partial": k == 2}
            for i in range(30) for k in range(3)]
    fig = plot_cohort_value(pl.DataFrame(rows), period="week", max_cohorts=24)
    assert "the latest 24 of 30 cohorts" in fig.layout.title.text
    # one line per cohort, cohorts 6..29 (their sizes are in the names), oldest first
    assert [t.name.split(" ")[1] for t in fig.data] == [f"({10 + i})" for i in range(6, 30)]
    whole = plot_cohort_value(pl.DataFrame(rows[:30]), period="week", max_cohorts=24)
    assert len(whole.data) == 10 and "latest" not in whole.layout.title.text
