"""BG/NBD: how many repeat purchases a customer will make, and whether they are still alive.

Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting Your Customers' the Easy
Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284.

While alive, a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after every repeat
purchase they drop out with probability p ~ Beta(a, b). A customer is summarised by
``frequency`` x (repeat purchases in the calibration window), ``recency`` t_x (time of the
last purchase after the first) and ``T`` (time from the first purchase to the end of the
window), all in one time unit. Parameters are estimated by maximum likelihood (equation 6
of the paper) on the distinct (x, t_x, T) combinations, weighted by how many customers share
them, so a million customers fit in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import betaln, expit, gammaln, hyp2f1, psi

from retention_core.errors import ModelError
from retention_core.models._mle import as_float_array, compress, dot, maximise

PARAMS = ("r", "alpha", "a", "b")

MIN_CUSTOMERS = 30
MIN_REPEAT_CUSTOMERS = 10
NO_DROPOUT = 1e-4
"""Below this mean dropout probability per purchase, a / (a + b), the fit has reached the
no-dropout limit: P(alive) is about 1 for everyone and ``dropout_detected_`` is False."""

_ADVICE = ("Try a later calibration end (a longer calibration window with more repeat "
           "purchases), a coarser time unit (week or month), or wider filters so that more "
           "customers are included.")


def check_rfm(frequency: object, recency: object, T: object) -> tuple[np.ndarray, ...]:
    """Validate an RFM summary and return it as float arrays.

    Raises :class:`ModelError` saying which rule a column breaks: frequency must be a
    whole number >= 0, 0 <= recency <= T, and recency = 0 when frequency = 0.
    """
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    big_t = as_float_array(T, "T")
    if not (len(x) == len(t_x) == len(big_t)):
        raise ModelError("Columns frequency, recency and T must have the same length")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ModelError("Column frequency must hold whole numbers >= 0 (repeat purchases)")
    if np.any(t_x < 0):
        raise ModelError("Column recency must be >= 0 (time from first to last purchase)")
    if np.any(t_x > big_t + 1e-9):
        raise ModelError("Column recency must not exceed T (time from first purchase to the "
                         "calibration end); check that the calibration end is after every "
                         "purchase counted")
    if np.any((x == 0) & (t_x != 0)):
        raise ModelError("Column recency must be 0 for customers with frequency 0")
    return x, t_x, big_t


def log_likelihood_terms(params: dict[str, float], frequency: np.ndarray,
                         recency: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer log-likelihood, FHL (2005) equation 6.

    ``L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))``,
    summed in log space (log-gamma, log-beta and logaddexp).
    """
    r, alpha, a, b = (params[k] for k in PARAMS)
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    big_t = np.asarray(T, dtype=float)
    x1 = np.maximum(x, 1.0)  # keeps B(a+1, b+x-1) defined where the term is masked out
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + big_t)
    a3 = np.where(x > 0, betaln(a + 1, b + x1 - 1) - betaln(a, b)
                  - (r + x) * np.log(alpha + t_x), -np.inf)
    return a1 + np.logaddexp(a2, a3)


class _Prepared:
    """Distinct customer summaries with weights, laid out for fast likelihood evaluation.

    Customers without repeat purchases contribute ``r (log alpha - log(alpha + T))`` and
    are grouped by T. For repeat buyers, the special functions depend on x alone and the
    logs on t_x or T alone, each with few distinct values (whole days), so they are
    evaluated once per distinct value and gathered: one evaluation of the likelihood and
    its gradient costs a few dozen passes over the distinct repeat-buyer rows.
    """

    def __init__(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray):
        once = x == 0
        self.t0, inverse0 = np.unique(T[once], return_inverse=True)
        self.w0 = np.bincount(inverse0, weights=weights[once], minlength=len(self.t0))
        self.total0 = float(self.w0.sum())
        rep = ~once
        self.x = x[rep]
        self.w = weights[rep]
        self.total_rep = float(self.w.sum())
        self.xs, self.ix = np.unique(self.x, return_inverse=True)
        self.txs, self.itx = np.unique(t_x[rep], return_inverse=True)
        self.ts, self.it = np.unique(T[rep], return_inverse=True)
        self.w_x = np.bincount(self.ix, weights=self.w, minlength=len(self.xs))
        # scratch rows reused by every evaluation (fresh arrays of this size cost page faults)
        self._rows = np.empty((8, len(self.x)))

    def objective(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Weighted total log-likelihood and its gradient in log-parameters."""
        r, alpha, a, b = np.exp(log_params)
        log_alpha = np.log(alpha)
        # customers without repeat purchases
        log_t0 = np.log(alpha + self.t0)
        ll = r * (self.total0 * log_alpha - dot(self.w0, log_t0))
        g_r = self.total0 * log_alpha - dot(self.w0, log_t0)
        g_alpha = r * (self.total0 / alpha - dot(self.w0, 1.0 / (alpha + self.t0)))
        g_a = g_b = 0.0
        if self.total_rep:
            xs = self.xs
            beta_ab = betaln(a, b)
            c1 = gammaln(r + xs) - gammaln(r)
            c2 = betaln(a, b + xs) - beta_ab
            c3 = betaln(a + 1, b + xs - 1) - beta_ab
            # per row, written into the scratch rows (the same operations as
            # a2 = c2[ix] - (r + x) log(alpha + T), mix = logaddexp(a2, a3), ...)
            log_t, log_tx, rx, a2, a3, mix, w2, tmp = self._rows
            np.take(np.log(alpha + self.ts), self.it, out=log_t)
            np.take(np.log(alpha + self.txs), self.itx, out=log_tx)
            np.add(r, self.x, out=rx)
            np.subtract(np.take(c2, self.ix, out=a2), np.multiply(rx, log_t, out=tmp), out=a2)
            np.subtract(np.take(c3, self.ix, out=a3), np.multiply(rx, log_tx, out=tmp), out=a3)
            np.subtract(a2, a3, out=tmp)
            np.log1p(np.exp(np.negative(np.abs(tmp, out=tmp), out=tmp), out=tmp), out=tmp)
            np.add(np.maximum(a2, a3, out=mix), tmp, out=mix)
            ll += dot(self.w_x, c1) + self.total_rep * r * log_alpha + dot(self.w, mix)
            # weight x posterior share of the "alive" term
            np.multiply(self.w, np.exp(np.subtract(a2, mix, out=tmp), out=tmp), out=w2)
            w3 = np.subtract(self.w, w2, out=a2)
            inverse = mix  # a2 and mix are free from here on
            psi_ab = psi(a + b)
            psi_abx = psi(a + b + xs)
            g_r += (dot(self.w_x, psi(r + xs) - psi(r)) + self.total_rep * log_alpha
                    - dot(w2, log_t) - dot(w3, log_tx))
            g_alpha += (self.total_rep * r / alpha
                        - dot(np.multiply(w2, rx, out=tmp),
                              np.take(1.0 / (alpha + self.ts), self.it, out=inverse))
                        - dot(np.multiply(w3, rx, out=tmp),
                              np.take(1.0 / (alpha + self.txs), self.itx, out=inverse)))
            sum_w3 = float(w3.sum())
            g_a = dot(self.w_x, psi_ab - psi_abx) + (psi(a + 1) - psi(a)) * sum_w3
            g_b = (dot(self.w_x, psi_ab - psi_abx - psi(b) + psi(b + xs))
                   + dot(w3, np.take(psi(b + xs - 1) - psi(b + xs), self.ix, out=tmp)))
        grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        return float(ll), grad


@dataclass
class BGNBDModel:
    """The BG/NBD model (Fader, Hardie & Lee 2005) fitted by maximum likelihood.

    Attributes set by :meth:`fit`: ``params_`` (dict r, alpha, a, b), ``log_likelihood_``
    (total over customers), ``customers_``, ``distinct_`` (rows actually evaluated) and
    ``dropout_detected_``: False when the likelihood is highest with nobody dropping out
    (a -> 0, b -> infinity, a / (a + b) < ``NO_DROPOUT``). The fit then stops somewhere along
    that ridge: a and b themselves mean little, predictions are those of the limit (every
    customer alive, purchases at their own Poisson rate).
    """

    params_: dict[str, float] = field(default_factory=dict)
    log_likelihood_: float = float("nan")
    customers_: int = 0
    distinct_: int = 0
    dropout_detected_: bool = True

    def fit(self, frequency: object, recency: object, T: object, *,
            weights: object = None) -> BGNBDModel:
        """Estimate r, alpha, a, b from an RFM summary (one value per customer).

        ``weights``: how many customers each row stands for, when the summary is already
        grouped into its distinct rows (:func:`~retention_core.models._mle.compress`; the
        fit is then exactly the fit on the customers themselves). Raises
        :class:`ModelError` when the data cannot support a fit (fewer than
        ``MIN_CUSTOMERS`` customers, fewer than ``MIN_REPEAT_CUSTOMERS`` repeat buyers)
        or the optimiser does not converge, with advice on what to change.
        """
        x, t_x, big_t = check_rfm(frequency, recency, T)
        counts = None if weights is None else _check_weights(weights, len(x))
        n = len(x) if counts is None else int(round(float(counts.sum())))
        if n < MIN_CUSTOMERS:
            raise ModelError(f"The BG/NBD model needs at least {MIN_CUSTOMERS} customers "
                             f"before the calibration end; there {'is' if n == 1 else 'are'} "
                             f"{n}. Pick a later calibration end or widen the filters.")
        repeaters = (int(np.count_nonzero(x)) if counts is None
                     else int(round(float(counts[x > 0].sum()))))
        if repeaters == 0:
            raise ModelError("Nobody bought again before the calibration end, so there is "
                             "nothing to learn repeat buying from. Pick a later calibration "
                             "end or widen the filters.")
        if repeaters < MIN_REPEAT_CUSTOMERS:
            raise ModelError(f"Only {repeaters} customer(s) bought again before the "
                             f"calibration end; the BG/NBD model needs at least "
                             f"{MIN_REPEAT_CUSTOMERS}. Pick a later calibration end or "
                             "widen the filters.")
        if np.max(big_t) <= 0:
            raise ModelError("Every customer's first purchase is on the calibration end "
                             "day: there is no history to learn from. Pick a later "
                             "calibration end.")
        if counts is None:
            (ux, utx, ut), weights, _ = compress(x, t_x, big_t)
        else:
            ux, utx, ut, weights = x, t_x, big_t, counts
        total = weights.sum()
        # Fit in a time scale where the longest T is 10, so that alpha is of order 1 in any
        # time unit; alpha scales back and the log-likelihood gains sum(x) log(scale).
        scale = float(np.max(ut)) / 10.0
        prepared = _Prepared(ux, utx / scale, ut / scale, weights)

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            ll, grad = prepared.objective(theta)
            return -ll / total, -grad / total

        # einsum, not BLAS (see _mle.dot): a threaded ddot keeps a core spinning through
        # the fit and sums in an order that depends on the machine's thread count
        rate = max(dot(weights, ux) / dot(weights, ut / scale), 1e-6)
        starts = [np.log([1.0, 1.0 / rate, 1.0, 1.0]),
                  np.log([0.3, 0.3 / rate, 0.5, 3.0]),
                  np.log([3.0, 3.0 / rate, 2.0, 10.0])]
        # a and b may run off together towards a / (a + b) = 0: the limit in which nobody
        # drops out (the NBD model), a real answer for shops whose customers all keep buying.
        theta = maximise(objective, starts, model="BG/NBD", advice=_ADVICE,
                         extreme="customers do not seem to differ in how often they buy",
                         may_run_off=(2, 3))
        params = np.exp(theta)
        params[1] *= scale
        self.params_ = dict(zip(PARAMS, (float(v) for v in params), strict=True))
        self.log_likelihood_ = float(-objective(theta)[0] * total
                                     - np.log(scale) * dot(weights, ux))
        self.customers_ = n
        self.distinct_ = len(ux)
        a, b = self.params_["a"], self.params_["b"]
        self.dropout_detected_ = bool(a / (a + b) >= NO_DROPOUT)
        if not self.dropout_detected_ and not (a < 1.0 < b):
            raise ModelError("The BG/NBD fit did not converge (the dropout parameters ran off "
                             f"to an extreme value). {_ADVICE}")
        return self

    def _require_fit(self) -> tuple[float, float, float, float]:
        if not self.params_:
            raise ModelError("The BG/NBD model is not fitted yet")
        return tuple(self.params_[k] for k in PARAMS)  # type: ignore[return-value]

    def log_likelihood(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters (FHL 2005, eq. 6)."""
        self._require_fit()
        x, t_x, big_t = check_rfm(frequency, recency, T)
        return log_likelihood_terms(self.params_, x, t_x, big_t)

    def probability_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:
        """P(alive | x, t_x, T) (Fader, Hardie & Lee 2008 note, "Computing P(alive) using
        the BG/NBD model", eq. 2).

        ``1 / (1 + [x > 0] a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))``.
        A customer who never bought again is alive with probability 1 under BG/NBD. Finite
        for any a, b: as a, b -> infinity with a / (a + b) -> p, the odds term tends to
        p / (1 - p) ((alpha + T) / (alpha + t_x))^(r + x).
        """
        r, alpha, a, b = self._require_fit()
        x, t_x, big_t = check_rfm(frequency, recency, T)
        return expit(-_log_odds_dead(r, alpha, a, b, x, t_x, big_t))

    def expected_purchases(self, t: object, frequency: object, recency: object,
                           T: object) -> np.ndarray:
        """Expected repeat purchases in the next ``t`` time units, FHL (2005) eq. 10.

        ``E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / (1 + [x > 0] a/(b+x-1)
        ((alpha+T)/(alpha+t_x))^(r+x))``.

        The Gauss hypergeometric term is evaluated after Euler's transformation,
        ``(1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)``, whose
        parameters stay small for heavy buyers. From a = ``LARGE_A`` on (Beta(a, b) close to
        a point mass, as in fits on large generated shops), where that form underflows and
        overflows, eq. 10 is evaluated by its expansion around the fixed-p limit
        ``P(alive) (1/p) [1 - ((alpha+T)/(alpha+T+p t))^(r+x)]``, p = a/(a+b) (see
        :func:`_purchases_if_alive_concentrated`). ``t`` may be a scalar or one value per
        customer.
        """
        r, alpha, a, b = self._require_fit()
        x, t_x, big_t = check_rfm(frequency, recency, T)
        t = np.broadcast_to(np.asarray(t, dtype=float), x.shape)
        if np.any(t < 0):
            raise ModelError("The prediction horizon t must be >= 0")
        return _conditional_expectation(r, alpha, a, b, x, t_x, big_t, t)

    def expected_purchases_path(self, ts: object, frequency: object, recency: object,
                                T: object) -> np.ndarray:
        """:meth:`expected_purchases` at each horizon of ``ts`` (scalars), one row per
        horizon: ``result[k] == expected_purchases(ts[k], ...)``.

        The hypergeometric part of eq. 10 depends on frequency and T alone, so it is
        evaluated once per distinct (frequency, T) and horizon; P(alive), the rest, once
        per row. Pass distinct customer summaries (:func:`~retention_core.models._mle.
        compress`) to evaluate each of those once too.
        """
        r, alpha, a, b = self._require_fit()
        x, t_x, big_t = check_rfm(frequency, recency, T)
        ts = np.atleast_1d(np.asarray(ts, dtype=float))
        if ts.ndim != 1 or np.any(ts < 0):
            raise ModelError("The prediction horizons t must be numbers >= 0")
        (px, p_t), _, pair = compress(x, big_t)
        a = _off_singularity(a)
        alive = expit(-_log_odds_dead(r, alpha, a, b, x, t_x, big_t))
        out = np.zeros((len(ts), len(x)))
        for k, t in enumerate(ts):
            if_alive = _purchases_if_alive(r, alpha, a, b, px, p_t, t)
            if not np.all(np.isfinite(if_alive)):
                raise ModelError(_NOT_FINITE)
            if t > 0:  # E[Y(0)] = 0
                np.multiply(np.take(if_alive, pair, out=out[k]), alive, out=out[k])
        return out

    def expected_purchases_new_customer(self, t: object) -> np.ndarray:
        """E[X(t)]: expected repeat purchases of a new customer in ``t`` units after the
        first purchase, FHL (2005) eq. 9 (eq. 10 with x = t_x = T = 0); for large a, b
        about ``(1/p) [1 - (alpha/(alpha + p t))^r]``, evaluated as in
        :meth:`expected_purchases`."""
        r, alpha, a, b = self._require_fit()
        t = np.atleast_1d(np.asarray(t, dtype=float))
        zero = np.zeros_like(t)
        return _conditional_expectation(r, alpha, a, b, zero, zero, zero, t)


def _log_odds_dead(r: float, alpha: float, a: float, b: float, x: np.ndarray,
                   t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """log(P(dead) / P(alive)); -inf for customers without repeat purchases."""
    x1 = np.maximum(x, 1.0)
    with np.errstate(divide="ignore"):
        odds = (np.log(a) - np.log(b + x1 - 1)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))
    return np.where(x > 0, odds, -np.inf)


_NOT_FINITE = ("Expected purchases could not be computed for this horizon; use a shorter "
               "horizon or a coarser time unit")


def _check_weights(weights: object, rows: int) -> np.ndarray:
    counts = as_float_array(weights, "weights")
    if len(counts) != rows:
        raise ModelError("The weights must have one value per row of the summary")
    if np.any(counts <= 0):
        raise ModelError("The weights (customers per row) must be positive")
    return counts


def _off_singularity(a: float) -> float:
    """eq. 10 has a removable singularity at a = 1: step just beside it."""
    return 1.0 + 1e-6 if abs(a - 1.0) < 1e-6 else a


LARGE_A = 100.0
"""From this a on, eq. 10 is evaluated by its expansion around the fixed-p limit
(:func:`_purchases_if_alive_concentrated`): Beta(a, b) lies within about 1/sqrt(a) of its
mean, and the expansion is the more accurate evaluation (relative error below 1e-10 at
a = 100, at rounding level from a = 1000). The hypergeometric form loses up to about
a x 1e-12 (relative) where it stays finite, and soon it does not: (1-z)^(a-1) underflows
and 2F1(a+b-1-r, a-1; c; z) overflows (fits on large generated shops land at a ~ 1e7)."""

FALLBACK_MIN_A = 20.0
"""Below ``LARGE_A``, customers whose hypergeometric evaluation is not finite get the
expansion when a is at least this (relative error up to about 2e-5 at a = 20, 1e-6 at
a = 30); below it the expansion is too rough (1e-2 at a = 10) and the prediction fails
with a ModelError."""

_EXPANSION_ORDER = 12


def _purchases_if_alive(r: float, alpha: float, a: float, b: float, x: np.ndarray,
                        T: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """eq. 10 without its P(alive) factor: ``(a+b+x-1)/(a-1) * [1 - ...2F1...]``, the
    expected purchases of a customer known to be alive. Depends on x and T only.

    The hypergeometric form for a < ``LARGE_A`` (non-finite values replaced by the
    expansion when a >= ``FALLBACK_MIN_A``), the expansion from ``LARGE_A`` on."""
    if a >= LARGE_A:
        return _purchases_if_alive_concentrated(r, alpha, a, b, x, T, t)
    expected = _purchases_if_alive_hypergeometric(r, alpha, a, b, x, T, t)
    bad = ~np.isfinite(expected)
    if a >= FALLBACK_MIN_A and np.any(bad):
        x, T, t = np.broadcast_arrays(x, T, t)
        expected = np.array(expected, dtype=float)  # writable, whatever the broadcast
        expected[bad] = _purchases_if_alive_concentrated(r, alpha, a, b, x[bad], T[bad],
                                                         t[bad])
    return expected


def _purchases_if_alive_hypergeometric(r: float, alpha: float, a: float, b: float,
                                       x: np.ndarray, T: np.ndarray,
                                       t: np.ndarray | float) -> np.ndarray:
    """eq. 10 without P(alive), 2F1 after Euler's transformation (see
    :meth:`BGNBDModel.expected_purchases`); inf or nan where it cannot be evaluated."""
    z = t / (alpha + T + t)
    with np.errstate(all="ignore"):
        hyp = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b - 1.0 - r, a - 1.0,
                                                         a + b + x - 1.0, z)
        return (a + b + x - 1.0) / (a - 1.0) * (1.0 - hyp)


def _purchases_if_alive_concentrated(r: float, alpha: float, a: float, b: float,
                                     x: np.ndarray, T: np.ndarray,
                                     t: np.ndarray | float) -> np.ndarray:
    """eq. 10 without P(alive) for large a, as an expansion around the fixed-p limit.

    Given alive at T, p ~ Beta(a, b+x) and lambda ~ Gamma(r+x, alpha+T), independent;
    a customer with fixed p and lambda makes ``(1 - exp(-lambda p t)) / p`` purchases in
    the next t on average (each purchase at rate lambda, dropout after each with
    probability p). Averaging over lambda, then over p with ``E[h(p) / p] = E[1/p]
    E[h(q)]``, q ~ Beta(a-1, b+x):

    ``E = (1/m) [1 - E(1 + k q)^-(r+x)]``, m = E[q] = (a-1)/(a+b+x-1), k = t/(alpha+T),

    which is eq. 10 (1/m is its prefactor). ``E(1 + k q)^-(r+x)`` is the Taylor series of
    ``(1 + k q)^-(r+x)`` around m averaged term by term over the central moments of q
    (Pearson's recursion ``mu_(j+1) = j (m (1-m) mu_(j-1) + (1-2m) mu_j) / (a+b+x-1+j)``);
    each order gains about a factor 1/sqrt(a). Order 0 is the limit a, b -> infinity,
    a/(a+b) -> p: ``(1/p) [1 - ((alpha+T) / (alpha+T+p t))^(r+x)]``. Up to order 12 the
    relative error is about 1e-10 at a = 100, 1e-14 at a = 300, rounding from a = 1000
    (largest over heavy and new buyers, short and long horizons; 1e-6 at a = 30).
    """
    s = r + x
    shape_p, shape_q = a - 1.0, b + x  # q ~ Beta(a - 1, b + x)
    n = shape_p + shape_q
    m = shape_p / n
    k = t / (alpha + T)
    u = k / (1.0 + k * m)  # d^j/dq^j (1+kq)^-s at m = (1+km)^-s (-1)^j (s)_j u^j
    with np.errstate(all="ignore"):
        log_at_mean = -s * np.log1p(k * m)
        spread, skew = m * (1.0 - m), 1.0 - 2.0 * m
        before, moment = 1.0, 0.0  # central moments mu_(j-2), mu_(j-1) of q
        coef = 1.0  # (-1)^j (s)_j u^j / j!
        tail = 0.0  # sum over j >= 2 of coef_j mu_j
        for j in range(1, _EXPANSION_ORDER + 1):
            coef = coef * (-(s + (j - 1)) * u / j)
            if j >= 2:
                before, moment = moment, (j - 1) * (spread * before + skew * moment) / (n + j - 1)
                tail = tail + coef * moment
        at_mean = np.exp(log_at_mean)
        # (1 + km)^-s underflows to 0 where the tail could overflow: 0 either way
        correction = np.where(at_mean > 0.0, at_mean * tail, 0.0)
        return n / shape_p * (-np.expm1(log_at_mean) - correction)


def _conditional_expectation(r: float, alpha: float, a: float, b: float, x: np.ndarray,
                             t_x: np.ndarray, T: np.ndarray, t: np.ndarray) -> np.ndarray:
    a = _off_singularity(a)
    expected = _purchases_if_alive(r, alpha, a, b, x, T, t)
    expected = expected * expit(-_log_odds_dead(r, alpha, a, b, x, t_x, T))
    if not np.all(np.isfinite(expected)):
        raise ModelError(_NOT_FINITE)
    return np.where(t > 0, expected, 0.0)


def simulate_bgnbd(params: dict[str, float], T: object,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw (frequency, recency) for customers observed for ``T`` units after their first
    purchase, from the BG/NBD generative story (FHL 2005, section 3).

    lambda ~ Gamma(r, rate alpha), p ~ Beta(a, b); repeat purchases arrive as a Poisson
    process; after each one the customer drops out with probability p, so the number of
    repeat purchases before dropping out is geometric. Given n arrivals in (0, T], the
    k-th arrival time is T times a Beta(k, n - k + 1) draw.
    """
    big_t = np.asarray(T, dtype=float)
    n = big_t.shape[0]
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    p = rng.beta(params["a"], params["b"], size=n)
    arrivals = rng.poisson(lam * big_t)
    until_dropout = rng.geometric(p)  # repeat purchases made before dropping out (>= 1)
    x = np.minimum(arrivals, until_dropout)
    t_x = np.zeros(n)
    bought = x > 0
    t_x[bought] = big_t[bought] * rng.beta(x[bought], arrivals[bought] - x[bought] + 1)
    return x.astype(float), t_x


def simulate_bgnbd_purchases(params: dict[str, float], T: object,
                             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw every repeat purchase of customers observed for ``T`` units after their first
    purchase, from the BG/NBD story (see :func:`simulate_bgnbd`).

    Returns ``(customer, time)``: the customer's index and the purchase time after their
    first purchase, ordered by customer and time. Used to build synthetic order logs.
    """
    big_t = np.asarray(T, dtype=float)
    n = big_t.shape[0]
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    p = rng.beta(params["a"], params["b"], size=n)
    arrivals = rng.poisson(lam * big_t)
    until_dropout = rng.geometric(p)
    customer = np.repeat(np.arange(n), arrivals)
    time = rng.uniform(0.0, 1.0, size=customer.size) * big_t[customer]
    order = np.lexsort((time, customer))
    customer, time = customer[order], time[order]
    starts = np.concatenate([[0], np.cumsum(arrivals)[:-1]])
    rank = np.arange(customer.size) - starts[customer] + 1  # 1-based within the customer
    keep = rank <= until_dropout[customer]
    return customer[keep], time[keep]
