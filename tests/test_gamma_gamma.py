"""Gamma-Gamma: published CDNOW result, an independent likelihood, hand-checked conditional
spend, recovery from simulation and clear errors."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from testkit import DATA

from retention_core.errors import ModelError
from retention_core.models import GammaGammaModel, simulate_gamma_gamma
from retention_core.models.gamma_gamma import _Prepared, log_likelihood_terms

PUBLISHED = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader & Hardie 2013, CDNOW repeat buyers


@pytest.fixture(scope="module")
def cdnow() -> pl.DataFrame:
    return pl.read_csv(DATA / "cdnow_summary.csv")


def reference_ll(p, q, v, x, m) -> float:
    """Fader & Hardie (2013) eq. 3 in plain Python."""
    return (math.lgamma(p * x + q) - math.lgamma(p * x) - math.lgamma(q) + q * math.log(v)
            + (p * x - 1) * math.log(m) + p * x * math.log(x) - (p * x + q) * math.log(v + x * m))


def test_cdnow_reproduces_published_parameters(cdnow):
    fit = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    for name, value in PUBLISHED.items():  # to the two decimals printed in the note
        assert fit.params_[name] == pytest.approx(value, abs=0.01), name
    assert fit.customers_ == 946  # the repeat buyers
    rows = cdnow.filter(pl.col("x") > 0).select("x", "zbar").rows()
    total = sum(reference_ll(*fit.params_.values(), x, m) for x, m in rows)
    assert fit.log_likelihood_ == pytest.approx(total, abs=1e-6)


def test_agrees_with_lifetimes(cdnow):
    """lifetimes 0.11.3 GammaGammaFitter on the same repeat buyers (run once, separately):
    p = 6.248802496075072, q = 3.744588460923138, v = 15.44774806492988, and expected
    average profit 30.93111748534572 (x = 2, m = 30), 97.27239320805252 (x = 10, m = 100)."""
    fit = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    reference = {"p": 6.248802496075072, "q": 3.744588460923138, "v": 15.44774806492988}
    assert fit.params_ == pytest.approx(reference, rel=1e-5)
    spend = GammaGammaModel(params_=reference).expected_average_spend([2, 10], [30.0, 100.0])
    np.testing.assert_allclose(spend, [30.93111748534572, 97.27239320805252], rtol=1e-12)


def test_log_likelihood_matches_plain_python(cdnow):
    rows = cdnow.filter(pl.col("x") > 0)
    params = {"p": 2.0, "q": 5.0, "v": 40.0}
    got = log_likelihood_terms(params, rows["x"].to_numpy(), rows["zbar"].to_numpy())
    expected = [reference_ll(*params.values(), x, m) for x, m in rows.select("x", "zbar").rows()]
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-11)


def test_gradient_matches_finite_differences(cdnow):
    rows = cdnow.filter(pl.col("x") > 0)
    prepared = _Prepared(rows["x"].to_numpy().astype(float), rows["zbar"].to_numpy(),
                         np.ones(rows.height))
    theta = np.log([3.0, 2.5, 20.0])
    _, grad = prepared.objective(theta)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6
        numeric = (prepared.objective(theta + step)[0]
                   - prepared.objective(theta - step)[0]) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_expected_average_spend_by_hand():
    model = GammaGammaModel(params_=dict(PUBLISHED))
    # population mean p v / (q - 1) = 6.25 * 15.44 / 2.74
    population = 6.25 * 15.44 / 2.74
    # x = 2, m = 30: p (v + x m) / (p x + q - 1) = 6.25 * 75.44 / 15.24
    got = model.expected_average_spend([0, 2, 10], [0.0, 30.0, 100.0])
    assert got[0] == pytest.approx(population, rel=1e-12)
    assert got[1] == pytest.approx(6.25 * 75.44 / 15.24, rel=1e-12)
    assert got[2] == pytest.approx(6.25 * 1015.44 / 65.24, rel=1e-12)
    assert model.population_mean_spend() == pytest.approx(population, rel=1e-12)


def test_recovers_parameters_from_simulation():
    true = {"p": 6.0, "q": 4.0, "v": 15.0}
    rng = np.random.default_rng(11)
    x = rng.integers(1, 8, 60_000).astype(float)
    m = simulate_gamma_gamma(true, x, rng)
    fit = GammaGammaModel().fit(x, m)
    for name, value in true.items():
        assert fit.params_[name] == pytest.approx(value, rel=0.1), name
    assert abs(fit.spend_frequency_correlation_) < 0.05  # independent by construction


def test_fit_does_not_depend_on_the_currency(cdnow):
    """Spend in cents instead of dollars: v scales by 100, p and q do not move."""
    dollars = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    cents = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"] * 100)
    assert cents.params_["v"] == pytest.approx(100 * dollars.params_["v"], rel=1e-5)
    assert cents.params_["p"] == pytest.approx(dollars.params_["p"], rel=1e-5)
    assert cents.params_["q"] == pytest.approx(dollars.params_["q"], rel=1e-5)


def test_too_few_repeat_buyers():
    with pytest.raises(ModelError, match="at least 10 customers with repeat purchases"):
        GammaGammaModel().fit([0, 0, 1, 2], [0, 0, 10, 20])


def test_non_positive_spend_is_left_out():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 5, 400).astype(float)
    m = simulate_gamma_gamma({"p": 6.0, "q": 4.0, "v": 15.0}, x, rng)
    m[:7] = [0, -5, 0, -1, 0, 0, -3]
    fit = GammaGammaModel().fit(x, m)
    assert fit.excluded_ == 7
    assert fit.customers_ == 393


def test_heavy_tailed_spend_is_refused():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 5, 2000).astype(float)
    m = simulate_gamma_gamma({"p": 4.0, "q": 0.7, "v": 10.0}, x, rng)  # mean spend infinite
    with pytest.raises(ModelError, match="too uneven"):
        GammaGammaModel().fit(x, m)
