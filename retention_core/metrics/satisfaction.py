"""NPS and CSAT: scores with 95% intervals, trend, distribution, segments, and what
promoters and detractors bought after answering (SPEC.md, "NPS", "CSAT"); the comments
and their words are in :mod:`retention_core.metrics.comments`.

Definitions, as implemented (docs/metrics-satisfaction.md has the long form):

- An *answer* is a survey row with a score on its scale: NPS 0-10, CSAT 1-5. A NULL
  (blank / NA) or out-of-scale score is not an answer; such rows are counted as
  ``ignored``.
- NPS = 100 x (promoters - detractors) / answers, promoters 9-10, passives 7-8,
  detractors 0-6 (Reichheld 2003). CSAT = 100 x answers of 4 or 5 / answers.
- 95% interval of the NPS: adjusted Wald (Rocks 2016, "Interval estimation for the Net
  Promoter Score", The American Statistician 70(4)): add 3/4 of an answer to the
  promoters and to the detractors and 3 to n, then take the normal interval of
  p+ - p- with the trinomial variance (p+ + p- - (p+ - p-)^2) / n, clipped to
  -100..100. It keeps a positive width when every answer is a promoter, where the
  plain Wald interval collapses to a point.
- 95% interval of CSAT: Wilson score interval (Wilson 1927).
- Groups with fewer answers than ``min_answers`` (default 30) are flagged
  (``is_small``), never hidden.

Every function takes the global :class:`~retention_core.filters.Filters` through
``scoped_surveys`` (answers without a date pass the date filter).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from retention_core import derived
from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics.common import (
    check_period,
    data_bounds,
    next_period_start,
    on_order_bounds,
    period_start,
)
from retention_core.schema import SURVEY_SEGMENTS, SURVEY_TYPES
from retention_core.sql import fill_part, load_sql, query_frame

MIN_ANSWERS = 30
"""Groups with fewer answers than this are flagged as small (SPEC.md)."""

Z95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95% interval."""

SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}
GROUPS: dict[str, tuple[str, ...]] = {
    "nps": ("promoter", "passive", "detractor"),
    "csat": ("satisfied", "unsatisfied"),
}
"""Answer groups per survey, best first: NPS promoter 9-10 / passive 7-8 / detractor
0-6; CSAT satisfied 4-5 / unsatisfied 1-3."""

SURVEY_LABELS = {"nps": "NPS", "csat": "CSAT"}

# Adjusted-Wald pseudo-answers (Rocks 2016): 3/4 promoter, 3/4 detractor, 3 in all.
_NPS_ADD_EACH = 0.75
_NPS_ADD_TOTAL = 3.0

_COUNTS_SCHEMA = {"answers": pl.Int64, "positive": pl.Int64, "negative": pl.Int64}


# -- intervals ------------------------------------------------------------------------


def check_survey(survey: str) -> str:
    """Return ``survey`` if it is ``"nps"`` or ``"csat"``, else raise InputError."""
    if survey not in SURVEY_TYPES:
        raise InputError(f"Unknown survey {survey!r}; use one of {', '.join(SURVEY_TYPES)}")
    return survey


def check_min_answers(min_answers: int) -> int:
    """Return ``min_answers`` if it is a whole number >= 1, else raise InputError."""
    if isinstance(min_answers, bool) or not isinstance(min_answers, int) or min_answers < 1:
        raise InputError(f"The minimum number of answers must be a whole number of at least 1, "
                         f"not {min_answers!r}")
    return min_answers


def score_columns(min_answers: int = MIN_ANSWERS, z: float = Z95) -> list[pl.Expr]:
    """Polars expressions adding ``score``, ``low``, ``high``, ``is_small`` to a counts frame.

    The frame needs ``survey`` ("nps" / "csat"), ``answers``, ``positive`` (promoters
    or CSAT 4-5) and ``negative`` (detractors or CSAT 1-3). NPS is in points
    (-100..100), CSAT in percent (0..100); all three are null when ``answers`` is 0.

    NPS interval: adjusted Wald (Rocks 2016). With n' = n + 3, p+ = (promoters + 0.75)
    / n', p- = (detractors + 0.75) / n', d = p+ - p-:
    d +/- z sqrt((p+ + p- - d^2) / n'), times 100 and clipped to -100..100.

    CSAT interval: Wilson score interval (Wilson 1927). With p = satisfied / n:
    (p + z^2/2n +/- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), times 100.
    """
    n = pl.col("answers").cast(pl.Float64)
    pos = pl.col("positive").cast(pl.Float64)
    neg = pl.col("negative").cast(pl.Float64)
    is_nps = pl.col("survey") == "nps"
    has = pl.col("answers") > 0

    n_adj = n + _NPS_ADD_TOTAL
    p_plus = (pos + _NPS_ADD_EACH) / n_adj
    p_minus = (neg + _NPS_ADD_EACH) / n_adj
    centre = p_plus - p_minus
    nps_half = z * ((p_plus + p_minus - centre**2) / n_adj).sqrt()

    p = pos / n
    z2 = z * z
    denom = 1 + z2 / n
    w_centre = (p + z2 / (2 * n)) / denom
    w_half = z / denom * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()

    score = pl.when(is_nps).then((pos - neg) / n).otherwise(p)
    low = pl.when(is_nps).then((centre - nps_half).clip(-1.0, 1.0)).otherwise(
        (w_centre - w_half).clip(0.0, 1.0))
    high = pl.when(is_nps).then((centre + nps_half).clip(-1.0, 1.0)).otherwise(
        (w_centre + w_half).clip(0.0, 1.0))
    return [
        pl.when(has).then(100 * score).alias("score"),
        pl.when(has).then(100 * low).alias("low"),
        pl.when(has).then(100 * high).alias("high"),
        (pl.col("answers") < min_answers).alias("is_small"),
    ]


def score_with_interval(survey: str, answers: int, positive: int, negative: int = 0,
                        z: float = Z95) -> tuple[float, float, float] | None:
    """(score, low, high) of one group from its counts; None when there are no answers.

    ``positive`` is promoters (NPS) or answers of 4-5 (CSAT); ``negative`` is
    detractors (NPS; ignored for CSAT). See :func:`score_columns` for the methods.
    """
    check_survey(survey)
    if answers <= 0:
        return None
    row = pl.DataFrame({"survey": [survey], "answers": [answers], "positive": [positive],
                        "negative": [negative]}).select(score_columns(z=z))
    return row.item(0, "score"), row.item(0, "low"), row.item(0, "high")


def _scored(counts: pl.DataFrame, min_answers: int) -> pl.DataFrame:
    return counts.with_columns(score_columns(min_answers))


def _params(filters: Filters, **extra: Any) -> dict[str, Any]:
    return {**filters.params(), **extra}


# -- overall --------------------------------------------------------------------------


def compute_score_overview(con: duckdb.DuckDBPyConnection, filters: Filters,
                           min_answers: int = MIN_ANSWERS) -> pl.DataFrame:
    """One row per survey present (NPS first): counts, score and 95% interval.

    Returns
    -------
    polars.DataFrame
        ``survey, answers, positive, negative, dated, undated, with_customer,
        with_comment, ignored, score, low, high, is_small``. ``positive`` counts
        promoters (NPS) or answers of 4-5 (CSAT), ``negative`` detractors or 1-3;
        ``ignored`` counts rows whose score is blank or off the scale (not answers).
        A survey with only ignored rows has ``answers`` 0 and a null score.
    """
    check_min_answers(min_answers)
    counts = query_frame(con, load_sql("satisfaction/overview"), _params(filters))
    return _scored(counts, min_answers)


def compute_score_summary(con: duckdb.DuckDBPyConnection, filters: Filters,
                          survey: str) -> dict[str, Any] | None:
    """NPS (points) or CSAT (percent) over the filtered answers, for tiles and ``kpis``.

    Returns
    -------
    dict or None
        ``{"score", "answers", "low", "high"}`` (95% interval, see
        :func:`score_columns`), or None when there is no answer of ``survey``.
    """
    check_survey(survey)
    overview = compute_score_overview(con, filters).filter(
        (pl.col("survey") == survey) & (pl.col("answers") > 0))
    if overview.is_empty():
        return None
    row = overview.row(0, named=True)
    return {"score": row["score"], "answers": row["answers"], "low": row["low"],
            "high": row["high"]}


# -- over time ------------------------------------------------------------------------


def _as_of(con: duckdb.DuckDBPyConnection, filters: Filters) -> date | None:
    bounds = data_bounds(con)
    if bounds is None:
        return None
    last = bounds[1]
    return min(last, filters.end) if filters.end else last


def compute_score_trend(con: duckdb.DuckDBPyConnection, filters: Filters, survey: str,
                        period: str = "month", min_answers: int = MIN_ANSWERS,
                        as_of: date | None = None) -> pl.DataFrame:
    """The score per period with its 95% interval; only dated answers count.

    Parameters
    ----------
    survey
        ``"nps"`` or ``"csat"``.
    period
        ``"week"`` (ISO weeks from Monday), ``"month"`` or ``"quarter"``.
    as_of
        The last day with data (default: the latest date in the workspace, or the end
        of the date filter if earlier). The period containing it is ``is_partial``
        unless ``as_of`` is that period's last day.

    Returns
    -------
    polars.DataFrame
        ``period_start, answers, positive, negative, score, low, high, is_small,
        is_partial``, oldest first, periods without answers left out.
    """
    check_survey(survey)
    return compute_score_trends(con, filters, period, min_answers, as_of)[survey]


def compute_score_trends(con: duckdb.DuckDBPyConnection, filters: Filters,
                         period: str = "month", min_answers: int = MIN_ANSWERS,
                         as_of: date | None = None) -> dict[str, pl.DataFrame]:
    """:func:`compute_score_trend` of every survey type (keyed "nps", "csat") from one
    query: the Overview draws both."""
    check_period(period)
    check_min_answers(min_answers)
    counts = query_frame(con, load_sql("satisfaction/trend"),
                         _params(filters, period=period))
    as_of = as_of or _as_of(con, filters)
    partial_start = None
    if as_of is not None and next_period_start(as_of, period) - timedelta(days=1) > as_of:
        partial_start = period_start(as_of, period)
    return {survey: (
        _scored(counts.filter(pl.col("survey") == survey), min_answers)
        .with_columns((pl.col("period_start") == pl.lit(partial_start, dtype=pl.Date))
                      .fill_null(False).alias("is_partial"))
        .select("period_start", "answers", "positive", "negative", "score", "low", "high",
                "is_small", "is_partial")
        .sort("period_start")
    ) for survey in SURVEY_TYPES}


def compute_weekly_scores(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """NPS and CSAT per ISO week, for the ``kpis`` command and the overview.

    Returns
    -------
    polars.DataFrame
        One row per ISO week from the first to the last week with a dated answer
        (``week`` = its Monday, oldest first): ``week, nps, nps_answers, csat,
        csat_answers``. A score is null in a week without answers of its survey (its
        count is 0). Empty when no answer has a date.
    """
    counts = _scored(query_frame(con, load_sql("satisfaction/trend"),
                                 _params(filters, period="week")), MIN_ANSWERS)
    schema = {"week": pl.Date, "nps": pl.Float64, "nps_answers": pl.Int64,
              "csat": pl.Float64, "csat_answers": pl.Int64}
    if counts.is_empty():
        return pl.DataFrame(schema=schema)
    first, last = counts["period_start"].min(), counts["period_start"].max()
    weekly = pl.DataFrame({"week": pl.date_range(first, last, "1w", eager=True)})
    for survey in SURVEY_TYPES:
        part = counts.filter(pl.col("survey") == survey).select(
            pl.col("period_start").alias("week"),
            pl.col("score").alias(survey),
            pl.col("answers").alias(f"{survey}_answers"),
        )
        weekly = weekly.join(part, on="week", how="left")
    return weekly.with_columns(
        pl.col("nps_answers", "csat_answers").fill_null(0)).cast(schema).select(list(schema))


# -- distribution and segments --------------------------------------------------------


def compute_score_distribution(con: duckdb.DuckDBPyConnection, filters: Filters,
                               survey: str) -> pl.DataFrame:
    """Answers per score over the whole scale (0-10 for NPS, 1-5 for CSAT).

    Returns
    -------
    polars.DataFrame
        ``score, answer_group, answers, share``; every score of the scale appears
        (0 answers if none); ``share`` is a fraction of all answers (null when none).
    """
    check_survey(survey)
    low, high = SCALES[survey]
    counts = query_frame(con, load_sql("satisfaction/distribution"),
                         _params(filters, survey=survey))
    grid = pl.DataFrame({"score": pl.int_range(low, high + 1, eager=True).cast(pl.Int32)})
    total = counts["answers"].sum() if counts.height else 0
    return (
        grid.join(counts.select(pl.col("score").cast(pl.Int32), "answers"), on="score",
                  how="left")
        .with_columns(
            answer_group_expr(survey, pl.col("score")).alias("answer_group"),
            pl.col("answers").fill_null(0).cast(pl.Int64),
        )
        .with_columns((pl.col("answers") / total if total else pl.lit(None, pl.Float64))
                      .alias("share"))
        .select("score", "answer_group", "answers", "share")
    )


def answer_group_expr(survey: str, score: pl.Expr) -> pl.Expr:
    """The answer group of a score: promoter / passive / detractor, or satisfied / unsatisfied."""
    if survey == "nps":
        return (pl.when(score >= 9).then(pl.lit("promoter"))
                .when(score >= 7).then(pl.lit("passive"))
                .otherwise(pl.lit("detractor")))
    return pl.when(score >= 4).then(pl.lit("satisfied")).otherwise(pl.lit("unsatisfied"))


def compute_segment_scores(con: duckdb.DuckDBPyConnection, filters: Filters, survey: str,
                           min_answers: int = MIN_ANSWERS) -> pl.DataFrame:
    """The score per value of every segment column present (channel, touchpoint,
    product, country, device), with 95% intervals and the small groups flagged.

    A segment column is present when at least one answer of ``survey`` has a value in
    it; answers without a value form the group ``"(not set)"`` so that the groups of
    a segment add up to all answers.

    Returns
    -------
    polars.DataFrame
        ``segment, segment_value, answers, positive, negative, score, low, high,
        is_small``; segments in the order of ``SURVEY_SEGMENTS``, values best score
        first (ties: more answers first).
    """
    check_survey(survey)
    check_min_answers(min_answers)
    counts = query_frame(con, load_sql("satisfaction/segments"),
                         _params(filters, survey=survey))
    order = {name: i for i, name in enumerate(SURVEY_SEGMENTS)}
    return (
        _scored(counts.with_columns(pl.lit(survey).alias("survey")), min_answers)
        .with_columns(pl.col("segment").replace_strict(order, return_dtype=pl.Int32)
                      .alias("_order"))
        .sort(["_order", "score", "answers", "segment_value"],
              descending=[False, True, True, False], nulls_last=True)
        .select("segment", "segment_value", "answers", "positive", "negative", "score",
                "low", "high", "is_small")
    )


# -- what answerers bought afterwards -------------------------------------------------


def _after_answer_sql(con: duckdb.DuckDBPyConnection) -> str:
    """after_answer.sql with its customer_orders CTE: by integer key when the workspace has
    the derived keys, else from the canonical kept orders (same rows either way)."""
    keyed = derived.available(con, "customer_keys", "order_facts")
    part = load_sql("satisfaction/customer_orders_keyed" if keyed
                    else "satisfaction/customer_orders")
    sql = on_order_bounds(con, load_sql("satisfaction/after_answer"))
    return fill_part(sql, "customer_orders", part)


def compute_outcomes_after_answer(con: duckdb.DuckDBPyConnection, filters: Filters,
                                  survey: str = "nps", window_days: int | None = None,
                                  min_answers: int = MIN_ANSWERS) -> pl.DataFrame:
    """Repeat purchase, orders and revenue per customer after answering, per answer group.

    Definition (docs/metrics-satisfaction.md):

    - Unit: a customer whose answers of ``survey`` (in scope, dated, with a
      customer_id) include one; their *first* such answer (earliest ``responded_at``,
      then lowest response_id) sets the group and the start of the follow-up.
    - Linked: the customer_id has at least one kept order (any date: orders are not
      narrowed by the global filters).
    - Follow-up: kept orders strictly after ``responded_at`` and, with
      ``window_days`` W, at most W days after it. Without a window the follow-up
      runs to the last kept order in the data and answers given at or after it are
      left out; with a window, answers with fewer than W days of order data after
      them are left out, so every customer is followed equally long.
    - ``repeat_rate`` = customers with at least one order in the follow-up /
      customers followed (Wilson 95% interval); ``orders_per_customer`` and
      ``revenue_per_customer`` divide by customers followed (buyers and non-buyers).

    Returns
    -------
    polars.DataFrame
        One row per group of the survey (best first): ``answer_group, answered,
        linked, customers, repurchasers, repeat_rate, repeat_low, repeat_high,
        orders_after, orders_per_customer, revenue_after, revenue_per_customer,
        median_days_followed, is_small``. ``answered``: customers with a dated answer
        and an id; ``linked``: of those, found in the orders; ``customers``: of
        those, followed. Rates are fractions; ``is_small`` when ``customers`` <
        ``min_answers``.
    """
    check_survey(survey)
    check_min_answers(min_answers)
    if window_days is not None and (isinstance(window_days, bool)
                                    or not isinstance(window_days, int) or window_days < 1):
        raise InputError(f"The follow-up window must be a whole number of days of at least 1, "
                         f"not {window_days!r}")
    found = query_frame(con, _after_answer_sql(con),
                        _params(filters, survey=survey, window_days=window_days))
    groups = pl.DataFrame({"answer_group": list(GROUPS[survey])})
    out = groups.join(found, on="answer_group", how="left").with_columns(
        pl.col("answered", "linked", "customers", "repurchasers", "orders_after")
        .fill_null(0).cast(pl.Int64),
        pl.col("revenue_after").fill_null(0.0).cast(pl.Float64),
        pl.col("median_days_followed").cast(pl.Float64),
    )
    # The repeat rate is a proportion like CSAT: reuse its Wilson interval.
    rate = out.select(
        pl.lit("csat").alias("survey"),
        pl.col("customers").alias("answers"),
        pl.col("repurchasers").alias("positive"),
        pl.lit(0).alias("negative"),
    ).select(score_columns(min_answers))
    has = pl.col("customers") > 0
    return out.with_columns(
        (rate["score"] / 100).alias("repeat_rate"),
        (rate["low"] / 100).alias("repeat_low"),
        (rate["high"] / 100).alias("repeat_high"),
        pl.when(has).then(pl.col("orders_after") / pl.col("customers"))
        .alias("orders_per_customer"),
        pl.when(has).then(pl.col("revenue_after") / pl.col("customers"))
        .alias("revenue_per_customer"),
        (pl.col("customers") < min_answers).alias("is_small"),
    ).select("answer_group", "answered", "linked", "customers", "repurchasers", "repeat_rate",
             "repeat_low", "repeat_high", "orders_after", "orders_per_customer",
             "revenue_after", "revenue_per_customer", "median_days_followed", "is_small")
