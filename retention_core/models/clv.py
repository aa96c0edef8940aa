"""Predictive CLV from a fitted BG/NBD and Gamma-Gamma pair; the time units.

CLV over a horizon of H months with a monthly discount rate d (the discounted-cash-flow form
used by Fader, Hardie & Lee 2005, "RFM and CLV", and by the lifetimes package):

    CLV = E[spend per purchase] * sum_{i=1..H} (E[Y(t_i)] - E[Y(t_{i-1})]) / (1 + d)^i

where E[Y(t)] is the BG/NBD conditional expectation of purchases in the next t time units
and t_i is i months (365.25 / 12 days each) in the model's time unit. Purchases expected in
month i are discounted by i months; spend comes from the Gamma-Gamma model.
"""

from __future__ import annotations

import numpy as np

from retention_core.errors import InputError
from retention_core.models._mle import compress
from retention_core.models.bgnbd import BGNBDModel, check_rfm
from retention_core.models.gamma_gamma import GammaGammaModel

MONTH_DAYS = 365.25 / 12
"""Length of the "month" time unit and of a CLV month: an average Gregorian month."""

TIME_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": MONTH_DAYS}
"""Days per time unit of frequency / recency / T."""

MAX_HORIZON_MONTHS = 120


def unit_days(time_unit: str) -> float:
    """Days in ``time_unit`` (day = 1, week = 7, month = 365.25 / 12 = 30.4375)."""
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise InputError(f"Unknown time unit {time_unit!r}; use day, week or month") from None


def check_horizon(horizon_months: int, discount_rate: float) -> tuple[int, float]:
    """Validate a CLV horizon (whole months, 1..120) and a monthly discount rate (0 <= d < 1)."""
    if isinstance(horizon_months, bool) or int(horizon_months) != horizon_months:
        raise InputError(f"The horizon must be a whole number of months, got {horizon_months!r}")
    if not 1 <= horizon_months <= MAX_HORIZON_MONTHS:
        raise InputError(f"The horizon must be between 1 and {MAX_HORIZON_MONTHS} months, "
                         f"got {horizon_months}")
    if not (0.0 <= discount_rate < 1.0) or not np.isfinite(discount_rate):
        raise InputError("The discount rate is a monthly rate between 0 and 1 "
                         f"(e.g. 0.01 for 1% a month), got {discount_rate!r}")
    return int(horizon_months), float(discount_rate)


def predict_clv(bgnbd: BGNBDModel, gamma_gamma: GammaGammaModel, frequency: object,
                recency: object, T: object, monetary_value: object, *,
                time_unit: str = "week", horizon_months: int = 12,
                discount_rate: float = 0.01) -> np.ndarray:
    """Discounted expected revenue per customer over the next ``horizon_months`` months.

    See the module docstring for the formula. The BG/NBD expectations are computed once per
    distinct (frequency, recency, T) and mapped back to customers.
    """
    horizon_months, discount_rate = check_horizon(horizon_months, discount_rate)
    x, t_x, big_t = check_rfm(frequency, recency, T)
    spend = gamma_gamma.expected_average_spend(x, monetary_value)
    (ux, utx, ut), _, inverse = compress(x, t_x, big_t)
    discounted = discounted_purchases(bgnbd, ux, utx, ut, time_unit=time_unit,
                                      horizon_months=horizon_months,
                                      discount_rate=discount_rate)
    return discounted[inverse] * spend


def discounted_purchases(bgnbd: BGNBDModel, frequency: object, recency: object, T: object,
                         *, time_unit: str = "week", horizon_months: int = 12,
                         discount_rate: float = 0.01) -> np.ndarray:
    """``sum_{i=1..H} (E[Y(t_i)] - E[Y(t_{i-1})]) / (1 + d)^i`` per row: the CLV of the
    module docstring without the spend. Pass distinct customer summaries
    (:func:`~retention_core.models._mle.compress`) and map the result back to customers;
    :func:`predict_clv` does that."""
    horizon_months, discount_rate = check_horizon(horizon_months, discount_rate)
    cumulative = bgnbd.expected_purchases_path(monthly_horizons(time_unit, horizon_months),
                                               frequency, recency, T)
    return discount_months(cumulative, discount_rate)


def monthly_horizons(time_unit: str, horizon_months: int) -> list[float]:
    """t_1 .. t_H: 1 .. H months in ``time_unit``."""
    per_month = MONTH_DAYS / unit_days(time_unit)
    return [month * per_month for month in range(1, horizon_months + 1)]


def discount_months(cumulative: np.ndarray, discount_rate: float) -> np.ndarray:
    """``sum_i (E[Y(t_i)] - E[Y(t_{i-1})]) / (1 + d)^i`` from ``cumulative[i - 1]`` =
    E[Y(t_i)] (rows: months 1 .. H, columns: customers)."""
    discounted = np.zeros(cumulative.shape[1])
    previous = np.zeros(cumulative.shape[1])
    for month, row in enumerate(cumulative, start=1):
        discounted += (row - previous) / (1.0 + discount_rate) ** month
        previous = row
    return discounted
