"""Predictive customer lifetime value (SPEC.md, "Metric definitions"); historic and simple
CLV are in :mod:`retention_core.metrics.historic_value`.

- Predictive CLV: the RFM summary (:func:`compute_rfm_summary`), BG/NBD + Gamma-Gamma
  (:mod:`retention_core.models`), validated on a holdout window
  (:func:`validate_clv_model`) and used for per-customer predictions
  (:func:`predict_customer_value`).

Every query reads the orders in scope of the global filters; guest orders (no customer_id)
never count for customer value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import polars as pl

from retention_core.errors import DataError, InputError, ModelError
from retention_core.filters import Filters
from retention_core.metrics import purchase_days
from retention_core.metrics.common import customer_orders_sql
from retention_core.models import BGNBDModel, GammaGammaModel, unit_days
from retention_core.models._mle import compress
from retention_core.models.clv import (
    MONTH_DAYS,
    check_horizon,
    discount_months,
    discounted_purchases,
    monthly_horizons,
)
from retention_core.sql import fill_part, load_sql, query_frame, query_one

FREQUENCY_CAP = 7  # the validation table groups calibration frequency 7 and above

RFM_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")


def as_date(value: date | datetime | str | None, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{name} must be a date like 2026-11-23, got {value!r}") from None


# -- scope ----------------------------------------------------------------------------


def order_date_bounds(con: duckdb.DuckDBPyConnection,
                      filters: Filters) -> tuple[date, date] | None:
    """(first, last) order day over the orders in scope that have a customer, or None."""
    row = query_one(con, customer_orders_sql(con, "clv/order_bounds"), filters.params())
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def default_calibration_end(first: date, last: date) -> date:
    """A calibration end that leaves the last third of the history, at most a year, as the
    holdout for validation, while keeping the ``MIN_HISTORY_DAYS`` the models need in the
    calibration window whenever the data is that long (a short export then gets a short
    holdout rather than a default that cannot be fitted)."""
    span = (last - first).days
    end = last - timedelta(days=min(365, span // 3))
    return min(last, max(end, first + timedelta(days=MIN_HISTORY_DAYS)))


# -- RFM summary -------------------------------------------------------------------------


def compute_rfm_summary(con: duckdb.DuckDBPyConnection, filters: Filters,
                        calibration_end: date | None = None, time_unit: str = "week",
                        holdout_end: date | None = None) -> pl.DataFrame:
    """One row per customer whose first purchase is on or before ``calibration_end``.

    Standard columns (lifetimes / pymc-marketing): ``customer_id``, ``frequency`` (distinct
    purchase days after the first, same-day orders counting once), ``recency`` (first to
    last purchase day), ``T`` (first purchase day to ``calibration_end``), all in
    ``time_unit`` (day; week = 7 days; month = 365.25 / 12 days), and ``monetary_value``
    (mean revenue of the repeat purchase days, revenue summed per day first; 0 without a
    repeat purchase). Also ``first_purchase``, ``recency_days``, ``t_days`` and, for the
    holdout days after ``calibration_end`` up to ``holdout_end`` (default: the last order
    day in scope), ``holdout_frequency`` (purchase days) and ``holdout_revenue``.
    """
    return _rfm_summary(con, filters, require_order_date_bounds(con, filters), calibration_end,
                        time_unit, holdout_end)


def require_order_date_bounds(con: duckdb.DuckDBPyConnection,
                              filters: Filters) -> tuple[date, date]:
    """:func:`order_date_bounds`, raising :class:`DataError` (what to do) when there are no
    orders with a customer in scope."""
    bounds = order_date_bounds(con, filters)
    if bounds is None:
        raise DataError("There are no orders with a customer in this view; CLV needs to "
                        "know who bought. Import orders with a customer column or widen "
                        "the filters.")
    return bounds


def _rfm_summary(con: duckdb.DuckDBPyConnection, filters: Filters, bounds: tuple[date, date],
                 calibration_end: date | None, time_unit: str,
                 holdout_end: date | None = None, *, daily: bool = False) -> pl.DataFrame:
    """:func:`compute_rfm_summary` with the order date ``bounds`` already known (each
    bounds query scans every order in scope). ``daily``: the same query also returns the
    rows of the model check's daily series (``day``, ``first_purchases``,
    ``repeat_purchases``; the per-customer columns null), see :func:`_summary_and_daily`."""
    calibration_end, holdout_end = _model_window(bounds, calibration_end, holdout_end)
    params = {**filters.params(), "calibration_end": calibration_end,
              "holdout_end": holdout_end, "unit_days": unit_days(time_unit)}
    sql = load_sql("clv/rfm_summary")
    if daily:
        sql = fill_part(sql, "daily", load_sql("clv/rfm_summary_daily"))
    return query_frame(con, sql, params)


def _model_window(bounds: tuple[date, date], calibration_end: date | None,
                  holdout_end: date | None) -> tuple[date, date]:
    """The calibration end (default: the last order day) and the holdout end (default: the
    last order day, at least the calibration end)."""
    calibration_end = as_date(calibration_end, "calibration end") or bounds[1]
    holdout_end = as_date(holdout_end, "holdout end") or max(bounds[1], calibration_end)
    if holdout_end < calibration_end:
        raise InputError(f"The holdout end {holdout_end} is before the calibration end "
                         f"{calibration_end}")
    return calibration_end, holdout_end


def _summary_and_daily(con: duckdb.DuckDBPyConnection, filters: Filters,
                       bounds: tuple[date, date], calibration_end: date, time_unit: str,
                       holdout_end: date | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the model check reads: the RFM summary (``customer_id`` is the integer key of
    ``order_facts`` when the workspace has it, rows in key order) and the daily series of
    its customers' first and repeat purchase days. From ``order_facts`` by
    :mod:`~retention_core.metrics.purchase_days`, else by ``rfm_summary.sql`` with its
    daily rows."""
    if purchase_days.available(con):
        calibration_end, holdout_end = _model_window(bounds, calibration_end, holdout_end)
        return purchase_days.rfm_summary(purchase_days.load(con, filters), calibration_end,
                                         holdout_end, unit_days(time_unit))
    rows = _rfm_summary(con, filters, bounds, calibration_end, time_unit, holdout_end,
                        daily=True)
    is_day = pl.col("day").is_not_null()
    return (rows.filter(~is_day).drop("day", "first_purchases", "repeat_purchases"),
            rows.filter(is_day).select("day", "first_purchases", "repeat_purchases").sort("day"))


# -- fitting ---------------------------------------------------------------------------


def fit_clv_models(summary: pl.DataFrame) -> tuple[BGNBDModel, GammaGammaModel]:
    """Fit BG/NBD on every customer and Gamma-Gamma on the repeat buyers of ``summary``.

    Raises :class:`ModelError` (with what to change) when either cannot be fitted.
    """
    missing = [c for c in RFM_COLUMNS[1:] if c not in summary.columns]
    if missing:
        raise ModelError(f"Required column {missing[0]} missing from the RFM summary")
    bgnbd = BGNBDModel().fit(summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
                             summary["T"].to_numpy())
    gamma_gamma = GammaGammaModel().fit(summary["frequency"].to_numpy(),
                                        summary["monetary_value"].to_numpy())
    return bgnbd, gamma_gamma


MIN_HISTORY_DAYS = 28
CORRELATION_WARNING = 0.3


def describe_fit(bgnbd: BGNBDModel, gamma_gamma: GammaGammaModel) -> list[str]:
    """Sentences about a fit a user should know before trusting it (may be empty)."""
    notes = []
    if not bgnbd.dropout_detected_:
        notes.append("The data shows no sign of customers dropping out (BG/NBD a/(a+b) is "
                     "about 0): every customer is treated as still active (P(alive) about 1) "
                     "and buying at their own rate. A longer history usually reveals dropout.")
    rho = gamma_gamma.spend_frequency_correlation_
    if np.isfinite(rho) and abs(rho) >= CORRELATION_WARNING:
        notes.append(f"Spend per purchase and number of purchases are correlated "
                     f"(correlation {rho:.2f}); the Gamma-Gamma model assumes they are not, "
                     "so expected spend is rough.")
    if gamma_gamma.excluded_:
        notes.append(f"{gamma_gamma.excluded_} repeat buyer(s) with a mean spend of 0 or less "
                     "(refunds) were left out of the spend model.")
    return notes


def _fit_window(summary: pl.DataFrame, calibration_end: date,
                fit: Callable[[], tuple[BGNBDModel, GammaGammaModel]] | None = None,
                ) -> tuple[BGNBDModel, GammaGammaModel]:
    """``fit()`` (default :func:`fit_clv_models` of ``summary``) once ``summary`` is known
    to hold enough history to fit on."""
    if summary.is_empty():
        raise ModelError(f"No customer bought on or before the calibration end "
                         f"{calibration_end}. Pick a later calibration end.")
    history = int(summary["t_days"].max())
    if history < MIN_HISTORY_DAYS:
        raise ModelError(f"The calibration window holds only {history + 1} day(s) of "
                         f"orders (first order to {calibration_end}); the models need at "
                         f"least {MIN_HISTORY_DAYS} days, better several months. Pick a "
                         "later calibration end.")
    return fit() if fit is not None else fit_clv_models(summary)


# -- validation --------------------------------------------------------------------------


def validate_clv_model(con: duckdb.DuckDBPyConnection, filters: Filters,
                       calibration_end: date, time_unit: str = "week",
                       holdout_end: date | None = None, horizon_months: int = 12,
                       discount_rate: float = 0.01, *,
                       bounds: tuple[date, date] | None = None) -> dict[str, Any]:
    """Fit on the calibration window, predict the holdout, compare with what happened.

    Returns a dict: ``time_unit``, ``calibration_end``, ``holdout_end``, ``customers``,
    ``repeat_customers``, ``bgnbd`` (r, alpha, a, b), ``bgnbd_log_likelihood``,
    ``gamma_gamma`` (p, q, v), ``gamma_gamma_log_likelihood``,
    ``spend_frequency_correlation``, ``notes`` (:func:`describe_fit`), ``clv`` (mean / median / total predicted CLV over the
    horizon as of the calibration end), ``holdout`` (figures below; None without holdout
    days), ``by_frequency`` (frame: calibration frequency 0..7+, customers, actual and
    predicted mean holdout purchases) and ``tracking`` (frame: day, actual and expected
    cumulative repeat purchases, FHL 2005 figure 3).

    Holdout figures: ``start``, ``end``, ``days``, ``customers``,
    ``actual_repeat_purchases``, ``predicted_repeat_purchases``, ``error`` (predicted /
    actual - 1), ``mae`` and ``rmse`` per customer, ``actual_revenue`` and
    ``predicted_revenue`` (expected purchases x expected spend, undiscounted).

    ``bounds``: :func:`require_order_date_bounds` of ``filters`` when the caller has it
    already (the Customer value page does; it costs a scan of every order in scope).
    """
    calibration_end = as_date(calibration_end, "calibration end")
    if calibration_end is None:
        raise InputError("A calibration end date is needed")
    bounds = bounds or require_order_date_bounds(con, filters)
    summary, daily = _summary_and_daily(con, filters, bounds, calibration_end, time_unit,
                                        holdout_end)
    if calibration_end < bounds[0]:
        raise ModelError(f"The calibration end {calibration_end} is before the first order "
                         f"({bounds[0]}). Pick a later calibration end.")
    holdout_end = as_date(holdout_end, "holdout end") or max(bounds[1], calibration_end)
    days = unit_days(time_unit)
    horizon_months, discount_rate = check_horizon(horizon_months, discount_rate)
    grouped = _Grouped(summary, days)
    bgnbd, gamma_gamma = _fit_window(summary, calibration_end, grouped.fit)

    x = grouped.frequency
    holdout_days = (holdout_end - calibration_end).days
    spend = gamma_gamma.expected_average_spend(x, grouped.monetary)
    clv = discounted_purchases(bgnbd, *grouped.distinct, time_unit=time_unit,
                               horizon_months=horizon_months,
                               discount_rate=discount_rate)[grouped.inverse] * spend
    result: dict[str, Any] = {
        "time_unit": time_unit,
        "calibration_end": calibration_end,
        "holdout_end": holdout_end,
        "customers": summary.height,
        "repeat_customers": int(np.count_nonzero(x)),
        "bgnbd": bgnbd.params_,
        "bgnbd_log_likelihood": bgnbd.log_likelihood_,
        "gamma_gamma": gamma_gamma.params_,
        "gamma_gamma_log_likelihood": gamma_gamma.log_likelihood_,
        "spend_frequency_correlation": gamma_gamma.spend_frequency_correlation_,
        "notes": describe_fit(bgnbd, gamma_gamma),
        "clv": {"horizon_months": horizon_months, "discount_rate": discount_rate,
                "as_of": calibration_end, "mean": float(clv.mean()),
                "median": float(np.median(clv)), "total": float(clv.sum())},
        "holdout": None,
    }
    predicted = (bgnbd.expected_purchases(holdout_days / days, *grouped.distinct)[grouped.inverse]
                 if holdout_days > 0 else np.zeros(len(x)))
    actual = summary["holdout_frequency"].to_numpy().astype(float)
    if holdout_days > 0:
        total_actual = float(actual.sum())
        total_predicted = float(predicted.sum())
        result["holdout"] = {
            "start": calibration_end + timedelta(days=1),
            "end": holdout_end,
            "days": holdout_days,
            "customers": summary.height,
            "actual_repeat_purchases": total_actual,
            "predicted_repeat_purchases": total_predicted,
            "error": total_predicted / total_actual - 1.0 if total_actual else None,
            "mae": float(np.mean(np.abs(predicted - actual))),
            "rmse": float(np.sqrt(np.mean((predicted - actual) ** 2))),
            "actual_revenue": float(summary["holdout_revenue"].sum()),
            "predicted_revenue": float(predicted @ spend),
        }
    result["by_frequency"] = _by_frequency(x, actual, predicted)
    result["tracking"] = _tracking(daily, bgnbd, calibration_end, holdout_end, days)
    return result


def tabulate_parameters(result: dict[str, Any]) -> pl.DataFrame:
    """The fitted parameters of a :func:`validate_clv_model` result as a frame
    (model, parameter, value), log-likelihoods included."""
    rows = [("BG/NBD", k, v) for k, v in result["bgnbd"].items()]
    rows.append(("BG/NBD", "log-likelihood", result["bgnbd_log_likelihood"]))
    rows += [("Gamma-Gamma", k, v) for k, v in result["gamma_gamma"].items()]
    rows.append(("Gamma-Gamma", "log-likelihood", result["gamma_gamma_log_likelihood"]))
    return pl.DataFrame(rows, schema={"model": pl.String, "parameter": pl.String,
                                      "value": pl.Float64}, orient="row")


def _by_frequency(x: np.ndarray, actual: np.ndarray, predicted: np.ndarray) -> pl.DataFrame:
    frame = pl.DataFrame({"frequency": np.minimum(x, FREQUENCY_CAP).astype(np.int64),
                          "actual": actual, "predicted": predicted})
    return (frame.group_by("frequency")
            .agg(pl.len().alias("customers"), pl.col("actual").mean().alias("actual_mean"),
                 pl.col("predicted").mean().alias("predicted_mean"))
            .sort("frequency")
            .with_columns(pl.when(pl.col("frequency") == FREQUENCY_CAP)
                          .then(pl.lit(f"{FREQUENCY_CAP}+"))
                          .otherwise(pl.col("frequency").cast(pl.String)).alias("label")))


def _tracking(daily: pl.DataFrame, bgnbd: BGNBDModel, calibration_end: date,
              holdout_end: date, days: float) -> pl.DataFrame:
    """Actual vs expected cumulative repeat purchases per day of the calibration customers
    (``daily``: first and repeat purchase days per day, see :func:`_summary_and_daily`).

    Expected: sum over customers of E[X(age)] (FHL 2005 eq. 9), the expected repeat purchases
    of a new customer ``age`` days after their first purchase; computed as the convolution of
    first purchases per day with E[X] at each whole-day lag.
    """
    first_day = daily["day"].min()
    n_days = (holdout_end - first_day).days + 1
    grid = pl.DataFrame({"day": pl.date_range(first_day, holdout_end, "1d", eager=True)})
    daily = grid.join(daily, on="day", how="left").fill_null(0)
    lags = np.arange(n_days, dtype=float) / days
    expected_by_lag = np.concatenate([[0.0], bgnbd.expected_purchases_new_customer(lags[1:])])
    firsts = daily["first_purchases"].to_numpy().astype(float)
    expected = np.convolve(firsts, expected_by_lag)[:n_days]
    return daily.select(
        "day",
        pl.col("repeat_purchases").cum_sum().cast(pl.Float64).alias("actual_cumulative"),
        pl.Series("expected_cumulative", expected),
        (pl.col("day") > calibration_end).alias("is_holdout"),
    )


# -- predictions for every customer -------------------------------------------------------


def predict_customer_value(con: duckdb.DuckDBPyConnection, filters: Filters,
                           time_unit: str = "week", horizon_months: int = 12,
                           discount_rate: float = 0.01, *,
                           bounds: tuple[date, date] | None = None) -> dict[str, Any]:
    """Fit both models on all orders in scope and predict every customer's future value.

    The calibration end is the last order day in scope ("as of"). Returns ``as_of``,
    ``bgnbd`` and ``gamma_gamma`` parameters, ``notes`` and ``customers``: a frame with the RFM summary
    columns plus ``p_alive`` (FHL P(alive)), ``expected_purchases`` (in the horizon),
    ``expected_spend`` (per purchase, Gamma-Gamma) and ``predicted_clv`` (discounted, see
    :func:`retention_core.models.predict_clv`). Raises :class:`ModelError` when the data
    cannot support the models. ``bounds``: :func:`require_order_date_bounds` when the
    caller has it already (it costs a scan of every order in scope).
    """
    horizon_months, discount_rate = check_horizon(horizon_months, discount_rate)
    bounds = bounds or require_order_date_bounds(con, filters)
    as_of = bounds[1]
    summary = _rfm_summary(con, filters, bounds, None, time_unit)
    predicted = predict_summary(summary, as_of, time_unit, horizon_months, discount_rate)
    customers = summary.select(*RFM_COLUMNS).with_columns(
        pl.Series(name, predicted[name]) for name in PREDICTION_COLUMNS)
    return {"as_of": as_of, "time_unit": time_unit, "horizon_months": horizon_months,
            "discount_rate": discount_rate, "bgnbd": predicted["bgnbd"].params_,
            "gamma_gamma": predicted["gamma_gamma"].params_, "notes": predicted["notes"],
            "customers": customers}


PREDICTION_COLUMNS = ("p_alive", "expected_purchases", "expected_spend", "predicted_clv")


class _Grouped:
    """A per-customer summary grouped once into its distinct (frequency, recency, T).

    ``summary`` holds ``frequency``, ``recency_days``, ``t_days`` (whole days) and
    ``monetary_value`` per customer. ``distinct``: the distinct rows in ``time_unit``s of
    ``days`` days, the same floats rfm_summary.sql's columns hold (the same division);
    ``counts``: customers per row; ``inverse``: each customer's row. The BG/NBD fit weighs
    the distinct rows by their customers (the same likelihood as per customer), and its
    expectations are computed per distinct row and gathered with ``inverse``.
    """

    def __init__(self, summary: pl.DataFrame, days: float) -> None:
        x = summary["frequency"].cast(pl.Int64).to_numpy()
        (ux, urd, utd), self.counts, self.inverse = compress(
            x, summary["recency_days"].to_numpy(), summary["t_days"].to_numpy())
        self.distinct = (ux.astype(float), urd / days, utd / days)
        self.frequency = x.astype(float)
        self.monetary = summary["monetary_value"].to_numpy()

    def fit(self) -> tuple[BGNBDModel, GammaGammaModel]:
        return (BGNBDModel().fit(*self.distinct, weights=self.counts),
                GammaGammaModel().fit(self.frequency, self.monetary))


def predict_summary(summary: pl.DataFrame, as_of: date, time_unit: str = "week",
                    horizon_months: int = 12, discount_rate: float = 0.01) -> dict[str, Any]:
    """Fit both models on a per-customer summary as of ``as_of`` and predict every customer
    (:func:`predict_customer_value` without the query).

    ``summary``: one row per customer with ``frequency`` (whole repeat purchase days),
    ``recency_days`` and ``t_days`` (whole days, see :func:`compute_rfm_summary`) and
    ``monetary_value``. Returns ``bgnbd``, ``gamma_gamma``, ``notes`` and one array per
    :data:`PREDICTION_COLUMNS`, in the rows' order. Raises :class:`ModelError`.

    The customers are grouped once into their distinct (frequency, recency, T): the BG/NBD
    fit weighs those rows by their customers (the same likelihood), and P(alive) and the
    expected purchases of each month are computed once per distinct row.
    """
    horizon_months, discount_rate = check_horizon(horizon_months, discount_rate)
    days = unit_days(time_unit)
    grouped = _Grouped(summary, days)
    distinct, inverse = grouped.distinct, grouped.inverse
    frequency, monetary = grouped.frequency, grouped.monetary
    bgnbd, gamma_gamma = _fit_window(summary, as_of, grouped.fit)
    horizons = monthly_horizons(time_unit, horizon_months)
    horizon = horizon_months * MONTH_DAYS / days
    path = bgnbd.expected_purchases_path(
        horizons if horizon == horizons[-1] else [*horizons, horizon], *distinct)
    spend = gamma_gamma.expected_average_spend(frequency, monetary)
    return {"bgnbd": bgnbd, "gamma_gamma": gamma_gamma,
            "notes": describe_fit(bgnbd, gamma_gamma),
            "p_alive": bgnbd.probability_alive(*distinct)[inverse],
            "expected_purchases": path[-1][inverse],
            "expected_spend": spend,
            "predicted_clv": (discount_months(path[:horizon_months], discount_rate)[inverse]
                              * spend)}
