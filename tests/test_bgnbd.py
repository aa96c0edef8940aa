"""BG/NBD: published CDNOW results, an independent likelihood, closed forms checked by hand,
recovery of known parameters from simulation, and clear errors on degenerate data."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit import DATA

from retention_core.errors import ModelError
from retention_core.models import BGNBDModel, simulate_bgnbd, simulate_bgnbd_purchases
from retention_core.models._mle import compress
from retention_core.models.bgnbd import (
    FALLBACK_MIN_A,
    LARGE_A,
    _Prepared,
    _purchases_if_alive_concentrated,
    _purchases_if_alive_hypergeometric,
    log_likelihood_terms,
)

PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # FHL 2005, CDNOW
PUBLISHED_LL = -9582.4


@pytest.fixture(scope="module")
def cdnow() -> pl.DataFrame:
    return pl.read_csv(DATA / "cdnow_summary.csv")


@pytest.fixture(scope="module")
def cdnow_fit(cdnow) -> BGNBDModel:
    return BGNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


# -- independent references in plain Python ----------------------------------------------


def _lbeta(p: float, q: float) -> float:
    return math.lgamma(p) + math.lgamma(q) - math.lgamma(p + q)


def reference_ll(r, alpha, a, b, x, t_x, T) -> float:
    """FHL (2005) eq. 6 term by term, summed in linear space."""
    common = math.exp(math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha))
    alive = math.exp(_lbeta(a, b + x) - _lbeta(a, b)) * common / (alpha + T) ** (r + x)
    dead = (math.exp(_lbeta(a + 1, b + x - 1) - _lbeta(a, b)) * common / (alpha + t_x) ** (r + x)
            if x > 0 else 0.0)
    return math.log(alive + dead)


def hyp2f1_series(a: float, b: float, c: float, z: float) -> float:
    """Gauss hypergeometric function by its power series (|z| < 1)."""
    term = total = 1.0
    k = 0
    while True:
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        k += 1
        if abs(term) < 1e-17 * abs(total) and k > 5:
            return total
        assert k < 100_000


def reference_expectation(r, alpha, a, b, x, t_x, T, t) -> float:
    """FHL (2005) eq. 10 as printed (no transformation of the 2F1)."""
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1_series(
        r + x, b + x, a + b + x - 1, z)
    denom = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 0)
    return head * body / denom


def reference_p_alive(r, alpha, a, b, x, t_x, T) -> float:
    if x == 0:
        return 1.0
    return 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))


# -- published results ----------------------------------------------------------------------


def test_cdnow_reproduces_published_parameters(cdnow_fit):
    for name, value in PUBLISHED.items():
        assert round(cdnow_fit.params_[name], 3) == value, name
    assert round(cdnow_fit.log_likelihood_, 1) == PUBLISHED_LL
    assert cdnow_fit.customers_ == 2357
    assert cdnow_fit.distinct_ < 2357  # fitted on distinct rows with weights


def test_fit_on_distinct_rows_with_weights_is_the_fit_on_the_customers(cdnow, cdnow_fit):
    """A summary grouped once by the caller (the CLV page reuses the grouping for its
    predictions) gives exactly the fit on every customer."""
    (ux, utx, ut), counts, _ = compress(*(cdnow[c].to_numpy().astype(float)
                                          for c in ("x", "t_x", "T")))
    weighted = BGNBDModel().fit(ux, utx, ut, weights=counts)
    assert weighted.params_ == cdnow_fit.params_
    assert weighted.log_likelihood_ == cdnow_fit.log_likelihood_
    assert (weighted.customers_, weighted.distinct_) == (2357, cdnow_fit.distinct_)
    with pytest.raises(ModelError, match="one value per row"):
        BGNBDModel().fit(ux, utx, ut, weights=counts[1:])
    with pytest.raises(ModelError, match="must be positive"):
        BGNBDModel().fit(ux, utx, ut, weights=np.where(ux > 3, 0.0, counts))
    # the rules count customers, not rows: 40 rows standing for 20 customers are too few
    with pytest.raises(ModelError, match="at least 30 customers"):
        BGNBDModel().fit(ux[:40], utx[:40], ut[:40], weights=np.full(40, 0.5))


def test_compress_of_whole_numbers_equals_the_general_compress():
    rng = np.random.default_rng(3)
    columns = [rng.integers(0, n, 5000) for n in (4, 30, 900)]
    fast = compress(*columns)
    general = compress(*(c.astype(float) for c in columns))
    for got, want in zip(fast[0], general[0], strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int64
    np.testing.assert_array_equal(fast[1], general[1])
    np.testing.assert_array_equal(fast[2], general[2])
    for column, distinct in zip(columns, fast[0], strict=True):
        np.testing.assert_array_equal(distinct[fast[2]], column)


def test_same_fit_in_days_as_in_weeks(cdnow):
    """Changing the time unit scales alpha only and shifts the likelihood by sum(x) log 7."""
    days = BGNBDModel().fit(cdnow["x"], cdnow["t_x"] * 7, cdnow["T"] * 7)
    weeks = BGNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert days.params_["alpha"] == pytest.approx(7 * weeks.params_["alpha"], rel=1e-5)
    for name in ("r", "a", "b"):
        assert days.params_[name] == pytest.approx(weeks.params_[name], rel=1e-5)
    shift = cdnow["x"].sum() * math.log(7)
    assert days.log_likelihood_ == pytest.approx(weeks.log_likelihood_ - shift, abs=1e-4)


# -- likelihood against the independent computation -------------------------------------------


@pytest.mark.parametrize("params", [PUBLISHED, {"r": 1.3, "alpha": 20.0, "a": 2.5, "b": 0.6}])
def test_log_likelihood_matches_plain_python(cdnow, params):
    rows = cdnow.select("x", "t_x", "T").rows()
    expected = [reference_ll(*params.values(), *row) for row in rows]
    got = log_likelihood_terms(params, cdnow["x"].to_numpy(), cdnow["t_x"].to_numpy(),
                               cdnow["T"].to_numpy())
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_fitted_log_likelihood_is_the_sum_over_customers(cdnow, cdnow_fit):
    rows = cdnow.select("x", "t_x", "T").rows()
    total = sum(reference_ll(*cdnow_fit.params_.values(), *row) for row in rows)
    assert cdnow_fit.log_likelihood_ == pytest.approx(total, abs=1e-6)
    per_customer = cdnow_fit.log_likelihood(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert per_customer.sum() == pytest.approx(total, abs=1e-6)


def test_gradient_matches_finite_differences(cdnow):
    prepared = _Prepared(cdnow["x"].to_numpy().astype(float), cdnow["t_x"].to_numpy(),
                         cdnow["T"].to_numpy(), np.ones(cdnow.height))
    theta = np.log([0.4, 3.0, 1.2, 1.8])
    _, grad = prepared.objective(theta)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6
        numeric = (prepared.objective(theta + step)[0]
                   - prepared.objective(theta - step)[0]) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


# -- closed forms checked by hand -----------------------------------------------------------------


@pytest.mark.parametrize("x, t_x, T, t", [
    (0, 0.0, 38.86, 39.0), (2, 30.43, 38.86, 39.0), (1, 1.71, 38.86, 10.0),
    (7, 35.0, 38.86, 52.0), (14, 38.0, 38.86, 1.0), (3, 5.0, 20.0, 78.0),
])
def test_conditional_expectation_matches_eq10_by_series(cdnow_fit, x, t_x, T, t):
    expected = reference_expectation(*cdnow_fit.params_.values(), x, t_x, T, t)
    got = cdnow_fit.expected_purchases(t, [x], [t_x], [T])[0]
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("change", [
    {}, {"a": 1.0 + 2e-7},  # a near 1: eq. 10 steps beside it
    {"a": 1.89e7, "b": 2.13e8},  # Beta(a, b) close to a point mass: the expansion
])
def test_expected_purchases_path_is_expected_purchases_at_each_horizon(cdnow, cdnow_fit,
                                                                       change):
    model = BGNBDModel(params_={**cdnow_fit.params_, **change})
    x, t_x, T = (cdnow[c].to_numpy().astype(float) for c in ("x", "t_x", "T"))
    horizons = [0.0, 1.0, 4.348, 39.0, 52.18, 200.0]
    path = model.expected_purchases_path(horizons, x, t_x, T)
    assert path.shape == (len(horizons), len(x))
    for row, t in zip(path, horizons, strict=True):
        np.testing.assert_array_equal(row, model.expected_purchases(t, x, t_x, T))
    with pytest.raises(ModelError, match=">= 0"):
        model.expected_purchases_path([1.0, -1.0], x, t_x, T)


def test_new_customer_expectation_is_eq9(cdnow_fit):
    r, alpha, a, b = cdnow_fit.params_.values()
    for t in (1.0, 39.0, 78.0):
        eq9 = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r
                                       * hyp2f1_series(r, b, a + b - 1, t / (alpha + t)))
        assert cdnow_fit.expected_purchases_new_customer(t)[0] == pytest.approx(eq9, rel=1e-9)
    assert cdnow_fit.expected_purchases_new_customer(0.0)[0] == 0.0


# Computed with lifetimes 0.11.3 (BetaGeoFitter on the same CDNOW summary, run once in a
# separate environment; not a dependency): its parameters and its predictions there.
LIFETIMES_PARAMS = {"r": 0.242592928279822, "alpha": 4.413532265271825,
                    "a": 0.7928859664406758, "b": 2.4257523826258134}
LIFETIMES_PREDICTIONS = [  # x, t_x, T, t, E[Y(t)], P(alive)
    (0, 0.0, 38.86, 39.0, 0.19478085793947736, 1.0),
    (2, 30.43, 38.86, 39.0, 1.2259104241744085, 0.72660914),
    (7, 35.0, 38.86, 52.0, 5.520663178099612, 0.84378691),
    (14, 38.0, 38.86, 1.0, 0.30558690222195106, 0.93596885),
]


def test_agrees_with_lifetimes(cdnow_fit):
    for name, value in LIFETIMES_PARAMS.items():
        assert cdnow_fit.params_[name] == pytest.approx(value, rel=1e-5), name
    model = BGNBDModel(params_=dict(LIFETIMES_PARAMS))
    for x, t_x, T, t, expected, alive in LIFETIMES_PREDICTIONS:
        assert model.expected_purchases(t, [x], [t_x], [T])[0] == pytest.approx(expected, rel=1e-9)
        assert model.probability_alive([x], [t_x], [T])[0] == pytest.approx(alive, abs=1e-8)


def test_p_alive_by_hand():
    model = BGNBDModel(params_=dict(PUBLISHED))
    # x = 2, t_x = 30.43, T = 38.86: 1 / (1 + 0.793/3.426 * (43.274/34.844)^2.243)
    by_hand = 1 / (1 + 0.793 / 3.426 * (43.274 / 34.844) ** 2.243)
    got = model.probability_alive([2, 0, 5], [30.43, 0.0, 38.86], [38.86, 38.86, 38.86])
    assert got[0] == pytest.approx(by_hand, rel=1e-12)
    assert got[1] == 1.0  # never bought again: alive under BG/NBD
    assert got[2] == pytest.approx(1 / (1 + 0.793 / 6.426), rel=1e-12)  # bought just now


@settings(max_examples=60, deadline=None)
@given(x=st.integers(0, 40), t_x=st.floats(0, 1), T=st.floats(0.1, 200),
       t=st.floats(0.01, 100))
def test_predictions_behave(x, t_x, T, t):
    model = BGNBDModel(params_=dict(PUBLISHED))
    t_x = 0.0 if x == 0 else t_x * T
    p = model.probability_alive([x], [t_x], [T])[0]
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(reference_p_alive(*PUBLISHED.values(), x, t_x, T), rel=1e-9)
    near, far = model.expected_purchases(np.array([t, 2 * t]), [x, x], [t_x, t_x], [T, T])
    assert 0.0 <= near <= far
    if x > 0:  # a longer silence since the last purchase lowers P(alive)
        assert model.probability_alive([x], [t_x], [T + 10])[0] <= p + 1e-12


# -- large a, b: Beta(a, b) close to a point mass -----------------------------------------------

# a and b as fitted on a 5M-order generated shop (p = a / (a + b) = 0.0815 for everyone)
HUGE = {"r": 0.8, "alpha": 30.0, "a": 1.89e7, "b": 2.13e8}


def limit_expectation(r, alpha, p, x, t_x, T, t) -> float:
    """E[Y(t) | x, t_x, T] when every customer drops out with the same probability p after
    each purchase (a, b -> infinity, a / (a + b) -> p). Given alive, lambda ~ Gamma(r + x,
    alpha + T); with rate lambda a customer makes (1 - exp(-lambda p t)) / p purchases in t
    on average (a purchase at rate lambda, each the last with probability p); the mean of
    exp(-lambda p t) is ((alpha + T) / (alpha + T + p t))^(r + x)."""
    return (limit_p_alive(p, r, alpha, x, t_x, T)
            * (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p)


def limit_p_alive(p, r, alpha, x, t_x, T) -> float:
    """P(alive | x, t_x, T) in the same limit: a / (b + x - 1) -> p / (1 - p)."""
    if x == 0:
        return 1.0
    log_odds = math.log(p / (1 - p)) + (r + x) * math.log((alpha + T) / (alpha + t_x))
    return 0.0 if log_odds > 700 else 1 / (1 + math.exp(log_odds))


@pytest.mark.parametrize("x, t_x, T, t", [
    (0, 0.0, 0.0, 52.0), (0, 0.0, 40.0, 10.0), (2, 20.0, 40.0, 52.0), (12, 38.0, 40.0, 200.0),
    (40, 39.0, 40.0, 5.0),
])
def test_eq10_tends_to_the_fixed_p_limit_as_a_and_b_grow(x, t_x, T, t):
    """With a / (a + b) held at 0.08, eq. 10 (summed as printed) approaches the closed-form
    limit, about tenfold closer for tenfold larger a and b; the model follows eq. 10 all
    along, also where the hypergeometric form no longer has a finite value."""
    p, r, alpha = 0.08, 0.8, 30.0
    gaps = []
    for a in (1e2, 1e3, 1e4, 1e5):
        b = a * (1 - p) / p
        eq10 = reference_expectation(r, alpha, a, b, x, t_x, T, t)
        gaps.append(abs(limit_expectation(r, alpha, p, x, t_x, T, t) / eq10 - 1))
        model = BGNBDModel(params_={"r": r, "alpha": alpha, "a": a, "b": b})
        assert model.expected_purchases(t, [x], [t_x], [T])[0] == pytest.approx(eq10, rel=1e-9)
    assert gaps[0] > 1e-7  # a = 100 is not the limit yet
    for before, after in zip(gaps, gaps[1:], strict=False):
        assert after < before / 5
    assert gaps[-1] < 1e-4


def test_small_horizons_at_large_a_keep_their_precision():
    """At a = 1e5 the hypergeometric form is still finite for short horizons but has lost
    digits ((1-z)^(a-1) times a huge 2F1); the model keeps eq. 10's value."""
    params = {"r": 0.8, "alpha": 30.0, "a": 1e5, "b": 1.15e6}
    model = BGNBDModel(params_=dict(params))
    for x, T, t in [(1, 10.0, 0.01), (0, 0.0, 0.1), (5, 60.0, 0.5)]:
        eq10 = reference_expectation(*params.values(), x, T, T, t)
        assert model.expected_purchases(t, [x], [T], [T])[0] == pytest.approx(eq10, rel=1e-10)


@pytest.mark.parametrize("a, rel", [(FALLBACK_MIN_A, 1e-4), (LARGE_A, 1e-9), (3 * LARGE_A, 1e-9)])
def test_hypergeometric_form_and_expansion_agree_where_both_are_finite(a, rel):
    """Where the model switches from one evaluation of eq. 10 to the other (a = LARGE_A,
    and for single customers from FALLBACK_MIN_A) the two agree."""
    x, T = (v.ravel() for v in np.meshgrid([0.0, 1.0, 5.0, 30.0], [0.0, 10.0, 100.0]))
    compared = 0
    for p in (0.08, 0.5, 0.97):
        for t in (0.5, 5.0, 50.0, 500.0):
            args = (0.8, 30.0, a, a * (1 - p) / p, x, T, t)
            exact = _purchases_if_alive_hypergeometric(*args)
            finite = np.isfinite(exact)
            np.testing.assert_allclose(_purchases_if_alive_concentrated(*args)[finite],
                                       exact[finite], rtol=rel)
            compared += int(finite.sum())
    assert compared > 100


def test_customers_beyond_the_hypergeometric_form_get_the_expansion_from_a_fallback_a():
    """New customers with a small alpha: the hypergeometric form has no finite value. From
    a = FALLBACK_MIN_A the expansion stands in (close to eq. 10 summed as printed); below,
    where it would be rough, the prediction fails with the usual message."""
    for a in (2 * FALLBACK_MIN_A, FALLBACK_MIN_A):
        params = {"r": 1.0, "alpha": 0.1, "a": a, "b": 11.5 * a}
        model = BGNBDModel(params_=dict(params))
        for t in (1.0, 10.0):
            assert not np.isfinite(_purchases_if_alive_hypergeometric(
                *params.values(), np.zeros(1), np.zeros(1), t)[0])
            eq9 = reference_expectation(*params.values(), 0, 0.0, 0.0, t)
            assert model.expected_purchases_new_customer(t)[0] == pytest.approx(eq9, rel=1e-4)
    below = BGNBDModel(params_={"r": 1.0, "alpha": 0.1, "a": 0.75 * FALLBACK_MIN_A,
                                "b": 8.6 * FALLBACK_MIN_A})
    with pytest.raises(ModelError, match="could not be computed"):
        below.expected_purchases_new_customer(1.0)


def test_fixed_p_simulation_matches_predictions_at_huge_a_b():
    """Simulate the fixed-p story directly: lambda ~ Gamma(r, alpha), Poisson purchases,
    after each one the customer drops out with probability p. Future purchases of
    customers grouped by (frequency, recency in the first or second half of T) and the
    purchases of new customers match the model's means within 4 standard errors."""
    r, alpha, a, b = HUGE.values()
    p = a / (a + b)
    rng = np.random.default_rng(11)
    n, T, t = 200_000, 90.0, 90.0
    lam = rng.gamma(r, 1 / alpha, n)
    purchases_left = rng.geometric(p, n)  # purchases until (and with) the one before dropout
    arrivals = rng.poisson(lam * T)
    x = np.minimum(arrivals, purchases_left)
    alive = arrivals < purchases_left
    # memoryless: an alive customer's remaining purchases are again geometric
    future = np.where(alive, np.minimum(rng.poisson(lam * t), purchases_left - arrivals), 0)
    t_x = np.zeros(n)
    bought = x > 0
    t_x[bought] = T * rng.beta(x[bought], arrivals[bought] - x[bought] + 1)
    model = BGNBDModel(params_=dict(HUGE))

    new = model.expected_purchases_new_customer(T)[0]  # x over (0, T] is a new customer's X(T)
    assert abs(x.mean() - new) < 4 * x.std() / math.sqrt(n)

    predicted = model.expected_purchases(t, x, t_x, np.full(n, T))
    groups = 0
    for frequency in range(6):
        for late in (False, True):
            group = (np.minimum(x, 5) == frequency) & ((t_x >= T / 2) == late)
            if group.sum() < 1000:
                continue
            error = 4 * future[group].std() / math.sqrt(group.sum())
            assert abs(future[group].mean() - predicted[group].mean()) < error, (frequency, late)
            groups += 1
    assert groups >= 9


@settings(max_examples=80, deadline=None)
@given(x=st.integers(0, 300), t_x=st.floats(0, 1), T=st.floats(0, 1000),
       t=st.floats(0.01, 1e4))
def test_huge_a_b_predictions_are_finite_ordered_and_the_limit(x, t_x, T, t):
    r, alpha, a, b = HUGE.values()
    model = BGNBDModel(params_=dict(HUGE))
    t_x = 0.0 if x == 0 else t_x * T
    alive = model.probability_alive([x], [t_x], [T])[0]
    assert 0.0 <= alive <= 1.0
    assert alive == pytest.approx(limit_p_alive(a / (a + b), r, alpha, x, t_x, T), rel=1e-5,
                                  abs=1e-300)
    near, far = model.expected_purchases(np.array([t, 2 * t]), [x, x], [t_x, t_x], [T, T])
    # alive, a customer makes E[1/p] = (a+b+x-1)/(a-1) more purchases before dropping out
    assert 0.0 <= near <= far <= alive * (a + b + x - 1) / (a - 1) * (1 + 1e-12)
    limit = limit_expectation(r, alpha, a / (a + b), x, t_x, T, t)
    assert near == pytest.approx(limit, rel=1e-5, abs=1e-300)


def test_huge_a_b_paths_are_finite_increasing_and_bounded():
    r, alpha, a, b = HUGE.values()
    p = a / (a + b)
    model = BGNBDModel(params_=dict(HUGE))
    x, t_x, T = (np.array(v) for v in ([0.0, 1, 3, 10, 60], [0.0, 5, 40, 80, 89],
                                      [0.0, 90, 90, 90, 90]))
    horizons = np.linspace(0.0, 5000.0, 201)
    path = model.expected_purchases_path(horizons, x, t_x, T)
    assert np.all(np.isfinite(path)) and np.all(path[0] == 0.0)
    assert np.all(np.diff(path, axis=0) >= 0)
    assert np.all(np.diff(path[:5], axis=0) > 0)  # still buying in the first 100 days
    # in the long run: every purchase before dropping out, P(alive) E[1/p | alive]
    forever = model.expected_purchases(1e9, x, t_x, T)
    np.testing.assert_allclose(forever, model.probability_alive(x, t_x, T)
                               * (a + b + x - 1) / (a - 1), rtol=1e-4)
    assert np.all(path[-1] <= forever)
    new = model.expected_purchases_new_customer(horizons[1:])
    assert np.all(np.isfinite(new)) and np.all(np.diff(new) > 0)
    eq9_limit = (1 - (alpha / (alpha + p * horizons[1:])) ** r) / p
    np.testing.assert_allclose(new, eq9_limit, rtol=1e-6)


# -- recovery of known parameters ---------------------------------------------------------------


TRUE = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}


def test_recovers_parameters_from_simulated_summaries():
    rng = np.random.default_rng(20260423)
    T = rng.uniform(1.0, 78.0, 100_000)
    x, t_x = simulate_bgnbd(TRUE, T, rng)
    fit = BGNBDModel().fit(x, t_x, T)
    for name, value in TRUE.items():  # ~2.5 standard errors at this size
        assert fit.params_[name] == pytest.approx(value, rel=0.1), name


def test_recovers_parameters_from_simulated_purchase_logs():
    rng = np.random.default_rng(7)
    T = rng.uniform(1.0, 78.0, 60_000)
    customer, time = simulate_bgnbd_purchases(TRUE, T, rng)
    x = np.bincount(customer, minlength=T.size).astype(float)
    t_x = np.zeros(T.size)
    np.maximum.at(t_x, customer, time)
    fit = BGNBDModel().fit(x, t_x, T)
    for name, value in TRUE.items():
        assert fit.params_[name] == pytest.approx(value, rel=0.12), name


def test_expected_purchases_match_simulation():
    """The model's E[X(t)] for new customers matches the simulated mean (law of large numbers)."""
    rng = np.random.default_rng(3)
    T = np.full(200_000, 52.0)
    x, _ = simulate_bgnbd(TRUE, T, rng)
    model = BGNBDModel(params_=dict(TRUE))
    expected = model.expected_purchases_new_customer(52.0)[0]
    assert x.mean() == pytest.approx(expected, rel=0.02)


# -- degenerate data ------------------------------------------------------------------------------


@pytest.mark.parametrize("x, t_x, T, message", [
    ([1.0], [2.0], [5.0], "at least 30 customers"),
    ([0.0] * 200, [0.0] * 200, [10.0] * 200, "Nobody bought again"),
    ([1.0] * 3 + [0.0] * 100, [2.0] * 3 + [0.0] * 100, [9.0] * 103, "Only 3 customer(s)"),
    ([5.0] * 100, [10.0] * 100, [10.0] * 100, "customers do not seem to differ"),
    ([1.0] * 50, [6.0] * 50, [5.0] * 50, "recency must not exceed T"),
    ([1.5] * 50, [1.0] * 50, [5.0] * 50, "frequency must hold whole numbers"),
    ([0.0] * 50, [1.0] * 50, [5.0] * 50, "recency must be 0"),
    ([1.0, float("nan")] * 25, [1.0] * 50, [5.0] * 50, "missing or infinite"),
])
def test_degenerate_data_gives_a_clear_error(x, t_x, T, message):
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BGNBDModel().fit(x, t_x, T)


def test_no_dropout_limit_is_the_nbd_model():
    """Everybody bought on their last day: the likelihood is highest with nobody dropping
    out. The fit reaches that limit, says so, and predicts like the NBD model:
    P(alive) = 1 and E[Y(t)] = t (r + x) / (alpha + T) (lambda | data ~ Gamma(r + x, alpha + T))."""
    x = [0.0] * 40 + [5.0] * 40 + [2.0] * 40
    t_x = [0.0] * 40 + [10.0] * 40 + [6.0] * 40
    T = [10.0] * 80 + [6.0] * 40
    fit = BGNBDModel().fit(x, t_x, T)
    assert not fit.dropout_detected_
    r, alpha = fit.params_["r"], fit.params_["alpha"]
    np.testing.assert_allclose(fit.probability_alive(x, t_x, T), 1.0, atol=1e-4)
    nbd = [4 * (r + xi) / (alpha + Ti) for xi, Ti in zip(x, T, strict=True)]
    np.testing.assert_allclose(fit.expected_purchases(4.0, x, t_x, T), nbd, rtol=1e-3)
    assert BGNBDModel().fit(*_cdnow_columns()).dropout_detected_


def _cdnow_columns():
    frame = pl.read_csv(DATA / "cdnow_summary.csv")
    return frame["x"], frame["t_x"], frame["T"]


def test_unfitted_model_says_so():
    with pytest.raises(ModelError, match="not fitted"):
        BGNBDModel().probability_alive([1], [1], [2])


@pytest.fixture
def evaluations(monkeypatch) -> dict[str, int]:
    """How many times the BG/NBD likelihood is evaluated (``["n"]``, reset by the test)."""
    calls = {"n": 0}
    original = _Prepared.objective

    def counted(self, theta):
        calls["n"] += 1
        return original(self, theta)

    monkeypatch.setattr(_Prepared, "objective", counted)
    return calls


def test_shared_dropout_ridge_stops_early_and_keeps_the_limit(monkeypatch, evaluations):
    """Customers who all share one dropout probability p (no heterogeneity): the
    likelihood keeps rising as a and b grow together with a / (a + b) = p. The fit stops
    once both are past the ridge threshold with a settled gradient, instead of crawling
    along the ridge, and predicts what a fit left to crawl predicts."""
    from retention_core.models import _mle

    rng = np.random.default_rng(2)  # a draw whose likelihood peaks on the ridge
    T = rng.integers(1, 160, 20_000).astype(float) / 4
    x, t_x = simulate_bgnbd({"r": 0.4, "alpha": 3.0, "a": 4e7, "b": 3.6e8}, T, rng)

    fit = BGNBDModel().fit(x, t_x, T)
    stopped, ridge = evaluations["n"], _mle.RIDGE
    monkeypatch.setattr(_mle, "RIDGE", np.inf)  # never "on the ridge": BFGS's own stop
    evaluations["n"] = 0
    crawled = BGNBDModel().fit(x, t_x, T)

    a, b = fit.params_["a"], fit.params_["b"]
    assert min(a, b) > math.exp(ridge)  # stopped on the ridge, not before it
    assert a / (a + b) == pytest.approx(0.1, rel=0.1)  # the shared p
    # 40 evaluations against 179 (66 when only the precision-loss stop is accepted)
    assert stopped < evaluations["n"] / 3
    for name in ("r", "alpha"):
        assert fit.params_[name] == pytest.approx(crawled.params_[name], rel=1e-4)
    np.testing.assert_allclose(fit.probability_alive(x, t_x, T),
                               crawled.probability_alive(x, t_x, T), rtol=0, atol=5e-5)
    np.testing.assert_allclose(fit.expected_purchases(10.0, x, t_x, T),
                               crawled.expected_purchases(10.0, x, t_x, T), rtol=1e-4,
                               atol=1e-6)


def test_a_stalled_line_search_on_the_ridge_is_cut_short(monkeypatch, evaluations):
    """On the ridge the gradient carries noise no step can remove, and BFGS's last line
    search can try many points before it gives up (or takes one no better in the noise).
    The fit takes the last accepted point after STALLED_SEARCH evaluations instead.
    bgnbd_ridge_rows.csv: 1,890 distinct (frequency, recency, T) rows with their customer
    counts, 2% of the RFM tab's rows on the 10M-order benchmark shop with a country filter,
    where this happens (weeks: days / 7)."""
    from retention_core.models import _mle

    rows = pl.read_csv(DATA / "bgnbd_ridge_rows.csv")
    x = rows["frequency"].to_numpy().astype(float)
    t_x, T = rows["recency_days"].to_numpy() / 7.0, rows["t_days"].to_numpy() / 7.0
    weights = rows["customers"].to_numpy().astype(float)
    cut = BGNBDModel().fit(x, t_x, T, weights=weights)
    cut_calls, evaluations["n"] = evaluations["n"], 0
    monkeypatch.setattr(_mle, "STALLED_SEARCH", 10**9)
    full = BGNBDModel().fit(x, t_x, T, weights=weights)
    assert cut_calls < evaluations["n"]  # 45 against 50 evaluations
    assert min(cut.params_["a"], cut.params_["b"]) > math.exp(_mle.RIDGE)
    for name in ("r", "alpha"):
        assert cut.params_[name] == pytest.approx(full.params_[name], rel=1e-4)
    np.testing.assert_allclose(cut.probability_alive(x, t_x, T),
                               full.probability_alive(x, t_x, T), rtol=0, atol=5e-5)
    np.testing.assert_allclose(cut.expected_purchases(10.0, x, t_x, T),
                               full.expected_purchases(10.0, x, t_x, T), rtol=1e-4, atol=1e-6)
