"""Gamma-Gamma: how much a customer spends per purchase.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves
for Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430; and Fader, P. S.
and Hardie, B. G. S. (2013), "The Gamma-Gamma Model of Monetary Value" (note).

A customer's purchase values are Gamma(p, rate nu) with nu ~ Gamma(q, rate v) across
customers. The model is fitted on repeat buyers only: ``frequency`` x > 0 repeat purchases
with mean value ``monetary_value`` m (the mean over repeat purchases). It assumes spend per
purchase is independent of how often a customer buys; check the correlation reported
with the fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, psi

from retention_core.errors import ModelError
from retention_core.models._mle import as_float_array, compress, dot, maximise

PARAMS = ("p", "q", "v")

MIN_REPEAT_CUSTOMERS = 10

_ADVICE = ("Try a later calibration end or wider filters so that more customers with "
           "repeat purchases are included.")


def log_likelihood_terms(params: dict[str, float], frequency: np.ndarray,
                         monetary_value: np.ndarray) -> np.ndarray:
    """Per-customer log-density of the mean spend m of x purchases (Fader & Hardie 2013,
    eq. 3):

    ``G(px+q) / (G(px) G(q)) * v^q m^(px-1) x^(px) / (v + x m)^(px+q)``.
    """
    p, q, v = (params[k] for k in PARAMS)
    x = np.asarray(frequency, dtype=float)
    m = np.asarray(monetary_value, dtype=float)
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(x * m + v))


class _Prepared:
    """Repeat buyers laid out for fast evaluation: the log-gamma and digamma terms depend
    on x alone (few distinct values) and the sums of log m are constants, so one
    evaluation costs a handful of passes over the customers."""

    def __init__(self, x: np.ndarray, m: np.ndarray, weights: np.ndarray):
        self.x = x
        self.xm = x * m
        self.w = weights
        self.wx = weights * x
        self.total = float(weights.sum())
        self.xs, ix = np.unique(x, return_inverse=True)
        self.w_x = np.bincount(ix, weights=weights, minlength=len(self.xs))
        log_m = np.log(m)
        self.sum_x_log_m = dot(self.wx, log_m)
        self.sum_log_m = dot(weights, log_m)
        # scratch rows reused by every evaluation (fresh arrays of this size cost page faults)
        self._rows = np.empty((2, len(x)))

    def objective(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted total log-likelihood and its gradient in log-parameters."""
        p, q, v = np.exp(log_params)
        xs = self.xs
        pxs = p * xs
        log_xm_v, w_shape = self._rows
        np.log(np.add(self.xm, v, out=log_xm_v), out=log_xm_v)
        # weight x (p x + q) per customer
        np.multiply(self.w, np.add(np.multiply(p, self.x, out=w_shape), q, out=w_shape),
                    out=w_shape)
        ll = (dot(self.w_x, gammaln(pxs + q) - gammaln(pxs) + pxs * np.log(xs))
              + self.total * (q * np.log(v) - gammaln(q))
              + p * self.sum_x_log_m - self.sum_log_m - dot(w_shape, log_xm_v))
        psi_pxq = psi(pxs + q)
        g_p = (dot(self.w_x, xs * (psi_pxq - psi(pxs) + np.log(xs))) + self.sum_x_log_m
               - dot(self.wx, log_xm_v))
        g_q = dot(self.w_x, psi_pxq) + self.total * (np.log(v) - psi(q)) - dot(self.w, log_xm_v)
        inverse = np.divide(1.0, np.add(self.xm, v, out=log_xm_v), out=log_xm_v)
        g_v = self.total * q / v - dot(w_shape, inverse)
        return float(ll), np.array([g_p * p, g_q * q, g_v * v])


@dataclass
class GammaGammaModel:
    """The Gamma-Gamma spend model fitted by maximum likelihood.

    Attributes set by :meth:`fit`: ``params_`` (dict p, q, v), ``log_likelihood_``,
    ``customers_`` (repeat buyers used), ``excluded_`` (repeat buyers left out because their
    mean spend was not positive) and ``spend_frequency_correlation_`` (Pearson correlation of
    frequency and monetary value among those used; the model assumes it is near 0).
    """

    params_: dict[str, float] = field(default_factory=dict)
    log_likelihood_: float = float("nan")
    customers_: int = 0
    excluded_: int = 0
    spend_frequency_correlation_: float = float("nan")

    def fit(self, frequency: object, monetary_value: object) -> GammaGammaModel:
        """Estimate p, q, v from the repeat buyers of an RFM summary.

        Customers with frequency 0 are ignored (they have no repeat purchase to learn
        from); repeat buyers whose mean spend is not positive are left out and counted in
        ``excluded_``. Raises :class:`ModelError` when fewer than
        ``MIN_REPEAT_CUSTOMERS`` remain, when the fit does not converge, or when q <= 1
        (spend so heavy-tailed that the population mean does not exist).
        """
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        if len(x) != len(m):
            raise ModelError("Columns frequency and monetary_value must have the same length")
        repeat = x > 0
        usable = repeat & (m > 0)
        n = int(usable.sum())
        if n < MIN_REPEAT_CUSTOMERS:
            raise ModelError(f"The Gamma-Gamma spend model needs at least "
                             f"{MIN_REPEAT_CUSTOMERS} customers with repeat purchases of "
                             f"positive value; there {'is' if n == 1 else 'are'} {n}. "
                             f"{_ADVICE}")
        xs, ms = x[usable], m[usable]
        (ux, um), weights, _ = compress(xs, ms)
        total = weights.sum()
        # Fit in units of the median spend so that v is of order 1 in any currency; v
        # scales back and each density gains a factor 1 / scale.
        scale = float(np.median(ms))
        prepared = _Prepared(ux, um / scale, weights)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grad = prepared.objective(theta)
            return -ll / total, -grad / total

        starts = [np.log([1.0, 2.0, 1.0]), np.log([5.0, 4.0, 10.0]), np.log([0.5, 1.5, 0.5])]
        theta = maximise(objective, starts, model="Gamma-Gamma", advice=_ADVICE,
                         extreme="customers' average spend varies too little or too wildly")
        values = np.exp(theta)
        values[2] *= scale
        params = dict(zip(PARAMS, (float(v) for v in values), strict=True))
        if params["q"] <= 1.0:
            raise ModelError("Spend per purchase is too uneven for the Gamma-Gamma model "
                             f"(q = {params['q']:.2f} <= 1, so the average spend is not "
                             "defined). Remove outlier orders (e.g. wholesale) with the "
                             "filters or use a later calibration end.")
        self.params_ = params
        self.log_likelihood_ = float(-objective(theta)[0] * total - total * np.log(scale))
        self.customers_ = n
        self.excluded_ = int((repeat & ~usable).sum())
        self.spend_frequency_correlation_ = _correlation(xs, ms)
        return self

    def _require_fit(self) -> tuple[float, float, float]:
        if not self.params_:
            raise ModelError("The Gamma-Gamma model is not fitted yet")
        return tuple(self.params_[k] for k in PARAMS)  # type: ignore[return-value]

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p v / (q - 1)``."""
        p, q, v = self._require_fit()
        return p * v / (q - 1.0)

    def expected_average_spend(self, frequency: object, monetary_value: object) -> np.ndarray:
        """E[M | p, q, v, x, m] (Fader & Hardie 2013, eq. 5).

        ``p (v + x m) / (p x + q - 1)``: a weighted average of the population mean
        ``p v / (q - 1)`` and the customer's own mean m, with weight on m growing with x.
        Customers with frequency 0 get the population mean.
        """
        p, q, v = self._require_fit()
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1.0)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation (NaN when either is constant), without BLAS (see _mle.dot)."""
    da, db = a - a.mean(), b - b.mean()
    spread = np.sqrt(dot(da, da) * dot(db, db))
    if not spread > 0:
        return float("nan")
    return float(np.clip(dot(da, db) / spread, -1.0, 1.0))


def simulate_gamma_gamma(params: dict[str, float], frequency: object,
                         rng: np.random.Generator) -> np.ndarray:
    """Mean spend of ``frequency`` purchases per customer from the Gamma-Gamma story:
    nu ~ Gamma(q, rate v), each purchase ~ Gamma(p, rate nu), so the mean of x purchases is
    Gamma(p x, rate x nu). Customers with frequency 0 get 0."""
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(params["q"], 1.0 / params["v"], size=x.shape)
    shape = np.where(x > 0, params["p"] * x, 1.0)
    draws = rng.gamma(shape, 1.0 / (np.maximum(x, 1.0) * nu))
    return np.where(x > 0, draws, 0.0)
