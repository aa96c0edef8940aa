"""Satisfaction figures, asserted on fig.data / fig.layout."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from retention_core.charts import satisfaction as charts


def _trend() -> pl.DataFrame:
    return pl.DataFrame({
        "period_start": [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        "answers": [40, 12, 35],
        "positive": [20, 6, 10],
        "negative": [5, 3, 10],
        "score": [37.5, 25.0, 0.0],
        "low": [20.0, -10.0, -20.0],
        "high": [52.0, 55.0, 21.0],
        "is_small": [False, True, False],
        "is_partial": [False, False, True],
    })


def test_trend_draws_the_interval_as_a_band_and_marks_small_and_partial_periods():
    fig = charts.plot_score_trend(_trend(), "nps", "month")
    band, line = fig.data
    assert band.fill == "toself"
    assert list(band.y) == [52.0, 55.0, 21.0, -20.0, -10.0, 20.0]  # high, then low reversed
    assert list(band.x) == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1),
                            date(2026, 3, 1), date(2026, 2, 1), date(2026, 1, 1)]
    assert list(line.y) == [37.5, 25.0, 0.0]
    assert list(line.marker.symbol) == ["circle", "circle-open", "diamond-open"]
    assert "partial" in line.customdata[2][3]
    assert list(fig.layout.yaxis.range) == [-100, 100]
    assert fig.layout.title.text == "NPS by month"


def test_trend_without_dated_answers_says_so():
    fig = charts.plot_score_trend(_trend().clear(), "csat", "week")
    assert not fig.data
    assert fig.layout.annotations[0].text == "No dated answers"


def test_distribution_colours_detractors_passives_promoters():
    dist = pl.DataFrame({
        "score": list(range(11)),
        "answer_group": ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2,
        "answers": [1, 0, 0, 0, 0, 0, 3, 2, 0, 2, 2],
        "share": [0.1, 0, 0, 0, 0, 0, 0.3, 0.2, 0, 0.2, 0.2],
    })
    fig = charts.plot_score_distribution(dist, "nps")
    assert [t.name for t in fig.data] == ["Detractors (0-6)", "Passives (7-8)",
                                          "Promoters (9-10)"]
    assert [t.marker.color for t in fig.data] == [charts.GROUP_COLOURS["detractor"],
                                                  charts.GROUP_COLOURS["passive"],
                                                  charts.GROUP_COLOURS["promoter"]]
    assert list(fig.data[0].x) == [0, 1, 2, 3, 4, 5, 6]
    assert list(fig.data[1].x) == [7, 8]
    assert list(fig.data[2].y) == [2, 2]
    assert fig.data[0].text[6] == "30%"


def test_segment_chart_puts_the_best_group_on_top_with_intervals_and_counts():
    seg = pl.DataFrame({
        "segment": ["channel"] * 3 + ["device"],
        "segment_value": ["email", "ads", "web", "mobile"],
        "answers": [120, 10, 80, 5],
        "positive": [0] * 4, "negative": [0] * 4,
        "score": [40.0, 30.0, -5.0, 1.0],
        "low": [30.0, -20.0, -15.0, -50.0],
        "high": [50.0, 70.0, 6.0, 60.0],
        "is_small": [False, True, False, True],
    })
    fig = charts.plot_segment_scores(seg, "channel", "nps", overall=20.0)
    (trace,) = fig.data
    # plotly draws the first category at the bottom: the best is the last one
    assert list(trace.y) == ["web (n=80)", "ads (n=10, small)", "email (n=120)"]
    assert list(trace.x) == [-5.0, 30.0, 40.0]
    assert list(trace.error_x.array) == pytest.approx([11.0, 40.0, 10.0])
    assert list(trace.error_x.arrayminus) == pytest.approx([10.0, 50.0, 10.0])
    assert list(trace.marker.color) == [charts.SCORE_COLOUR, charts.SMALL_COLOUR,
                                        charts.SCORE_COLOUR]
    assert fig.layout.shapes[0].x0 == 20.0  # the all-answers line
    assert charts.plot_segment_scores(seg, "country", "nps").layout.annotations[0].text == (
        "No answers with a country")


def test_outcomes_chart_has_rates_with_intervals_orders_and_revenue():
    outcomes = pl.DataFrame({
        "answer_group": ["promoter", "passive", "detractor"],
        "customers": [100, 20, 50],
        "repeat_rate": [0.4, 0.25, 0.2],
        "repeat_low": [0.31, 0.1, 0.11],
        "repeat_high": [0.5, 0.47, 0.33],
        "orders_per_customer": [0.8, 0.4, 0.3],
        "revenue_per_customer": [60.0, 30.0, 20.0],
        "is_small": [False, True, False],
    })
    fig = charts.plot_outcomes_after_answer(outcomes)
    rate, orders, revenue = fig.data
    assert list(rate.x) == ["Promoters<br>n=100", "Passives<br>n=20", "Detractors<br>n=50"]
    assert list(rate.y) == [0.4, 0.25, 0.2]
    assert list(rate.error_y.array) == pytest.approx([0.1, 0.22, 0.13])
    assert list(rate.error_y.arrayminus) == pytest.approx([0.09, 0.15, 0.09])
    assert list(orders.y) == [0.8, 0.4, 0.3]
    assert list(revenue.y) == [60.0, 30.0, 20.0]
    assert rate.marker.color[1] == charts.SMALL_COLOUR
    assert fig.layout.yaxis.tickformat == ".0%"


def test_top_words_one_panel_per_group_most_frequent_on_top():
    words = pl.DataFrame({
        "answer_group": ["promoter", "promoter", "detractor"],
        "word": ["friendly", "fast", "slow"],
        "comments": [5, 3, 4],
        "share": [0.5, 0.3, 0.8],
    })
    fig = charts.plot_top_words(words, "nps")
    assert [a.text for a in fig.layout.annotations] == ["Promoters (9-10)", "Detractors (0-6)"]
    assert list(fig.data[0].y) == ["fast", "friendly"]
    assert list(fig.data[0].x) == [0.3, 0.5]
    assert fig.data[1].xaxis == "x2"
    assert not charts.plot_top_words(words.clear(), "nps").data
