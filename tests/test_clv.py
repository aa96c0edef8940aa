"""Historic, simple and predictive CLV metrics and their charts, against hand-worked cases,
brute-force references and data simulated from the models."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_core.charts import clv as charts
from retention_core.errors import ModelError
from retention_core.filters import Filters
from retention_core.metrics import clv, historic_value, rfm
from retention_core.metrics.rfm import export_segment, score_customers, summarise_customers
from retention_core.models import (
    MONTH_DAYS,
    BGNBDModel,
    GammaGammaModel,
    predict_clv,
    simulate_bgnbd_purchases,
)
from retention_core.models.bgnbd import LARGE_A
from retention_core.workspace import Workspace

START = datetime(2025, 1, 1)
DAY_PARAMS = {"r": 0.6, "alpha": 40.0, "a": 0.8, "b": 3.0}  # time unit: day
SPEND = {"p": 5.0, "q": 4.0, "v": 30.0}


def simulated_orders(customers: int = 3000, seed: int = 1, days: int = 540,
                     acquisition_days: int = 270,
                     params: dict[str, float] = DAY_PARAMS) -> pl.DataFrame:
    """Canonical orders from the BG/NBD (``params``, day unit) + Gamma-Gamma story, in
    whole days.

    First purchases spread over the first ``acquisition_days``; repeat purchases from the
    model until ``days``; spend per order Gamma(p, nu) with nu ~ Gamma(q, v) per customer.
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(0, acquisition_days, customers)
    observed = (days - 1 - first).astype(float)
    who, when = simulate_bgnbd_purchases(params, observed, rng)
    customer = np.concatenate([np.arange(customers), who])
    day = np.concatenate([first, first[who] + np.ceil(when).astype(int)])
    day = np.minimum(day, days - 1)
    nu = rng.gamma(SPEND["q"], 1.0 / SPEND["v"], customers)
    revenue = np.round(rng.gamma(SPEND["p"], 1.0 / nu[customer]), 2)
    minutes = rng.integers(0, 24 * 60, customer.size)
    return pl.DataFrame({
        "order_id": [f"o{i}" for i in range(customer.size)],
        "customer_id": [f"c{c:05d}" for c in customer],
        "ordered_at": [START + timedelta(days=int(d), minutes=int(m))
                       for d, m in zip(day, minutes, strict=True)],
        "revenue": revenue,
        "channel": np.where(customer % 3 == 0, "email", "web"),
    })


@pytest.fixture(scope="module")
def sim() -> tuple[Workspace, pl.DataFrame]:
    orders = simulated_orders()
    ws = Workspace.from_frames(orders=orders)
    yield ws, orders
    ws.close()


def _tiny_orders() -> pl.DataFrame:
    d = datetime
    rows = [("o1", "A", d(2026, 1, 5), 10.0, None), ("o2", "A", d(2026, 3, 9), 20.0, None),
            ("o3", "B", d(2026, 1, 20), 30.0, None), ("o4", "C", d(2026, 2, 2), 5.0, None),
            ("o5", None, d(2026, 2, 3), 100.0, None),  # guest
            ("o6", "B", d(2026, 2, 10), 70.0, "refunded")]
    return pl.DataFrame(rows, schema={"order_id": pl.String, "customer_id": pl.String,
                                      "ordered_at": pl.Datetime("us"), "revenue": pl.Float64,
                                      "status": pl.String}, orient="row")


# -- historic CLV ---------------------------------------------------------------------------


def test_historic_clv_and_cohort_value_hand_worked():
    with Workspace.from_frames(orders=_tiny_orders()) as ws:
        con = ws.cursor()
        per_customer = historic_value.compute_historic_clv(con, Filters())
        cohorts = historic_value.compute_cohort_value(con, Filters(), "month")
    # highest revenue first, ties by customer; the guest and the refunded order left out
    assert per_customer.select("customer_id", "orders", "revenue").rows() == [
        ("A", 2, 30.0), ("B", 1, 30.0), ("C", 1, 5.0)]
    # January cohort (A, B): Jan 40, Feb 0 (B's February order was refunded), Mar 20
    jan = cohorts.filter(pl.col("cohort") == date(2026, 1, 1))
    assert jan["customers"].to_list() == [2, 2, 2]
    assert jan["cumulative_revenue_per_customer"].to_list() == [20.0, 20.0, 30.0]
    assert jan["is_partial"].to_list() == [False, False, True]  # March holds the last order
    feb = cohorts.filter(pl.col("cohort") == date(2026, 2, 1))
    assert feb["age"].to_list() == [0, 1]
    assert feb["cumulative_revenue_per_customer"].to_list() == [5.0, 5.0]


def test_cohort_value_by_week_matches_brute_force(sim):
    ws, orders = sim
    got = historic_value.compute_cohort_value(ws.cursor(), Filters(), "week")
    monday = lambda t: t.date() - timedelta(days=t.weekday())  # noqa: E731
    first: dict[str, date] = {}
    for cid, t in sorted(orders.select("customer_id", "ordered_at").rows(), key=lambda r: r[1]):
        first.setdefault(cid, monday(t))
    revenue = defaultdict(float)
    for cid, t, value in orders.select("customer_id", "ordered_at", "revenue").rows():
        revenue[(first[cid], (monday(t) - first[cid]).days // 7)] += value
    sizes = defaultdict(int)
    for cohort in first.values():
        sizes[cohort] += 1
    for cohort in list(sizes)[:5]:
        rows = got.filter(pl.col("cohort") == cohort).sort("age")
        running = 0.0
        for age, value in rows.select("age", "cumulative_revenue_per_customer").rows():
            running += revenue.get((cohort, age), 0.0)
            assert value == pytest.approx(running / sizes[cohort])


def brute_gini(values: list[float]) -> float:
    n, total = len(values), sum(values)
    return sum(abs(a - b) for a in values for b in values) / (2 * n * total)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 1e4, allow_nan=False), min_size=1, max_size=60))
def test_concentration_matches_brute_force(values):
    got = historic_value.compute_revenue_concentration(pl.Series(values))
    ordered = sorted(values, reverse=True)
    total = sum(values)
    for fraction, key in ((0.1, "top_10_share"), (0.2, "top_20_share")):
        k = math.ceil(round(fraction * len(values), 9))
        assert got[key] == pytest.approx(sum(ordered[:k]) / total, rel=1e-9)
    assert got["gini"] == pytest.approx(brute_gini(values), rel=1e-9, abs=1e-12)
    lorenz = got["lorenz"]
    assert lorenz.row(0) == (0.0, 0.0) and lorenz.row(-1) == pytest.approx((1.0, 1.0))
    assert (lorenz["revenue_share"].diff().drop_nulls() >= -1e-12).all()


def test_distribution_percentiles_and_histogram_by_hand():
    values = pl.Series([float(v) for v in range(1, 11)])  # 1..10
    summary = historic_value.summarise_clv_distribution(values)
    p = dict(summary["percentiles"].rows())
    assert p[50] == 5.5 and p[10] == pytest.approx(1.9) and p[90] == pytest.approx(9.1)
    assert summary["mean"] == 5.5 and summary["total"] == 55
    linear = historic_value.compute_clv_histogram(values, bins=3)
    assert linear["customers"].to_list() == [3, 3, 4]  # [1, 4), [4, 7), [7, 10]
    with_refund = pl.Series([-5.0, 0.0, 1.0, 10.0, 100.0])
    logged = historic_value.compute_clv_histogram(with_refund, bins=2, log_scale=True)
    assert logged.row(0) == (-5.0, 0.0, 2)  # zero or less in one first bin
    assert logged["customers"].to_list() == [2, 1, 2]
    assert logged["bin_end"][-1] == pytest.approx(100.0)


def test_value_overview_honours_filters(sim):
    ws, orders = sim
    email = historic_value.compute_value_overview(ws.cursor(), Filters(channels=("email",)))
    expected = orders.filter(pl.col("channel") == "email")["customer_id"].n_unique()
    assert email["customers"] == expected


@pytest.mark.parametrize("filters", [Filters(), Filters(channels=("email",)),
                                     Filters(start=date(2025, 6, 1), end=date(2025, 9, 1))])
def test_value_overview_and_histogram_equal_the_per_customer_table(sim, filters):
    """They read bare revenue values (no ids, no sort): same figures as from the table."""
    ws, _ = sim
    con = ws.cursor()
    revenue = historic_value.compute_historic_clv(con, filters)["revenue"]
    overview = historic_value.compute_value_overview(con, filters)
    want = {**historic_value.summarise_clv_distribution(revenue),
            **historic_value.compute_revenue_concentration(revenue)}
    for key in ("customers", "top_10_share", "top_20_share"):
        assert overview[key] == pytest.approx(want[key], rel=1e-12)
    for key in ("mean", "total", "gini"):
        assert overview[key] == pytest.approx(want[key], rel=1e-9)
    np.testing.assert_allclose(overview["percentiles"]["value"], want["percentiles"]["value"],
                               rtol=1e-12)
    for log_scale in (False, True):
        assert historic_value.compute_value_histogram(con, filters, log_scale).equals(
            historic_value.compute_clv_histogram(revenue, log_scale=log_scale))


# -- simple CLV ------------------------------------------------------------------------------------


def test_simple_clv_hand_worked():
    d = datetime
    as_of = date(2026, 6, 30)
    rows = [  # prior year: 2024-07-01 .. 2025-06-30; last year: 2025-07-01 .. 2026-06-30
        ("p1", "A", d(2024, 9, 1), 50.0), ("l1", "A", d(2025, 8, 1), 100.0),
        ("p2", "B", d(2025, 6, 30), 10.0),  # churned: nothing in the last year
        ("p3", "C", d(2025, 1, 1), 10.0), ("l2", "C", d(2026, 6, 30), 60.0),
        ("l3", "C", d(2026, 1, 1), 40.0),
        ("p4", "D", d(2024, 7, 1), 10.0),  # churned
        ("l4", "E", d(2025, 7, 1), 300.0),  # new in the last year
        ("x1", "F", d(2024, 6, 30), 999.0),  # before the prior year
    ]
    frame = pl.DataFrame(rows, schema={"order_id": pl.String, "customer_id": pl.String,
                                       "ordered_at": pl.Datetime("us"), "revenue": pl.Float64},
                         orient="row")
    with Workspace.from_frames(orders=frame) as ws:
        got = historic_value.compute_simple_clv(ws.cursor(), Filters(), as_of)
    assert got["customers_year"] == 3  # A, C, E
    assert got["revenue_year"] == 500.0
    assert got["average_yearly_revenue"] == pytest.approx(500 / 3)
    assert (got["customers_prior_year"], got["retained_customers"]) == (4, 2)  # A B C D
    assert got["yearly_churn_rate"] == 0.5
    assert got["expected_lifespan_years"] == 2.0
    assert got["simple_clv"] == pytest.approx(1000 / 3)
    assert got["note"] is None


def test_simple_clv_needs_a_prior_year():
    with Workspace.from_frames(orders=_tiny_orders()) as ws:
        got = historic_value.compute_simple_clv(ws.cursor(), Filters())
    assert got["simple_clv"] is None and got["yearly_churn_rate"] is None
    assert "more than a year of orders" in got["note"]


# -- predictive CLV -------------------------------------------------------------------------------


def test_clv_formula():
    bgnbd = BGNBDModel(params_={"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    gg = GammaGammaModel(params_={"p": 6.25, "q": 3.74, "v": 15.44})
    x, t_x, T, m = [0, 2, 7], [0.0, 30.43, 35.0], [38.86, 38.86, 38.86], [0.0, 30.0, 12.0]
    spend = gg.expected_average_spend(x, m)
    per_month = MONTH_DAYS / 7
    # no discount: the monthly increments add up to the purchases over the whole horizon
    flat = predict_clv(bgnbd, gg, x, t_x, T, m, time_unit="week", horizon_months=12,
                       discount_rate=0.0)
    np.testing.assert_allclose(flat, bgnbd.expected_purchases(12 * per_month, x, t_x, T) * spend,
                               rtol=1e-12)
    # one month at 1%: that month's purchases divided by 1.01
    one = predict_clv(bgnbd, gg, x, t_x, T, m, time_unit="week", horizon_months=1,
                      discount_rate=0.01)
    np.testing.assert_allclose(one, bgnbd.expected_purchases(per_month, x, t_x, T) * spend / 1.01,
                               rtol=1e-12)
    # two months: month 1 / 1.05 + month 2 / 1.05^2
    two = predict_clv(bgnbd, gg, x, t_x, T, m, time_unit="week", horizon_months=2,
                      discount_rate=0.05)
    e1 = bgnbd.expected_purchases(per_month, x, t_x, T)
    e2 = bgnbd.expected_purchases(2 * per_month, x, t_x, T)
    np.testing.assert_allclose(two, (e1 / 1.05 + (e2 - e1) / 1.05**2) * spend, rtol=1e-12)
    with pytest.raises(Exception, match="between 1 and 120 months"):
        predict_clv(bgnbd, gg, x, t_x, T, m, horizon_months=0)
    with pytest.raises(Exception, match="monthly rate"):
        predict_clv(bgnbd, gg, x, t_x, T, m, discount_rate=-0.1)


def test_validation_on_simulated_orders(sim):
    ws, orders = sim
    calibration_end = date(2025, 12, 31)
    result = clv.validate_clv_model(ws.cursor(), Filters(), calibration_end, "day")
    # the fit recovers the simulation's parameters (day unit)
    for name, value in DAY_PARAMS.items():
        assert result["bgnbd"][name] == pytest.approx(value, rel=0.2), name
    for name, value in SPEND.items():
        assert result["gamma_gamma"][name] == pytest.approx(value, rel=0.25), name
    holdout = result["holdout"]
    days = {(c, t.date()) for c, t in orders.select("customer_id", "ordered_at").rows()}
    first = {}
    for c, day in sorted(days, key=lambda r: r[1]):
        first.setdefault(c, day)
    actual = sum(1 for c, day in days if day > calibration_end)
    assert holdout["actual_repeat_purchases"] == actual
    assert holdout["customers"] == result["customers"] == len(first)  # all acquired by then
    assert holdout["days"] == (date(2026, 6, 24) - calibration_end).days
    assert abs(holdout["error"]) < 0.1  # data from the model: the forecast is close
    assert holdout["mae"] <= holdout["rmse"]
    by_frequency = result["by_frequency"]
    assert by_frequency["customers"].sum() == len(first)
    assert (by_frequency["actual_mean"] * by_frequency["customers"]).sum() == pytest.approx(actual)
    tracking = result["tracking"]
    assert tracking["actual_cumulative"][-1] == len(days) - len(first)
    repeats_by_day = {}  # brute force: every purchase day that is not the customer's first
    for c, day in days:
        if day != first[c]:
            repeats_by_day[day] = repeats_by_day.get(day, 0) + 1
    running = 0
    for day, cumulative in tracking.select("day", "actual_cumulative").rows():
        running += repeats_by_day.get(day, 0)
        assert cumulative == running, day
    assert tracking["is_holdout"].sum() == holdout["days"]
    assert result["notes"] == []  # data from the model: nothing to warn about
    # the page passes the order date bounds it has already: the same result
    given = clv.validate_clv_model(ws.cursor(), Filters(), calibration_end, "day",
                                   bounds=clv.order_date_bounds(ws.cursor(), Filters()))
    assert given["bgnbd"] == result["bgnbd"] and given["holdout"] == holdout
    assert given["tracking"].equals(tracking)
    table = clv.tabulate_parameters(result)
    assert table.height == 9 and set(table["model"]) == {"BG/NBD", "Gamma-Gamma"}


def test_fit_notes():
    quiet = clv.describe_fit(BGNBDModel(dropout_detected_=True),
                             GammaGammaModel(spend_frequency_correlation_=0.1))
    assert quiet == []
    notes = clv.describe_fit(BGNBDModel(dropout_detected_=False),
                             GammaGammaModel(spend_frequency_correlation_=-0.45, excluded_=2))
    assert len(notes) == 3
    assert "no sign of customers dropping out" in notes[0]
    assert "correlation -0.45" in notes[1]
    assert notes[2].startswith("2 repeat buyer(s)")


def test_predictions_for_every_customer(sim):
    ws, orders = sim
    result = clv.predict_customer_value(ws.cursor(), Filters(), "week", 6, 0.0)
    customers = result["customers"]
    assert customers.height == orders["customer_id"].n_unique()
    assert customers["p_alive"].is_between(0, 1).all()
    assert (customers["predicted_clv"] >= 0).all()
    np.testing.assert_allclose(customers["predicted_clv"],
                               customers["expected_purchases"] * customers["expected_spend"],
                               rtol=1e-9)  # no discount
    assert result["as_of"] == date(2026, 6, 24)
    scored = score_customers(ws.cursor(), Filters(), "week", 6, 0.0)
    assert scored["model_error"] is None
    assert scored["customers"]["p_alive"].null_count() == 0
    assert scored["customers"]["predicted_clv"].is_sorted(descending=True)


# Every customer drops out with probability 0.08 after each purchase (Beta(a, b) is a point
# mass to sampling precision): the fits land at a, b of 1e5 and more, as on large generated
# shops, where eq. 10's hypergeometric form has no finite value.
FIXED_P = {**DAY_PARAMS, "a": 2e7, "b": 2.3e8}


def test_validation_and_predictions_when_everyone_has_the_same_dropout_probability():
    orders = simulated_orders(seed=2, params=FIXED_P)
    with Workspace.from_frames(orders=orders) as ws:
        con = ws.cursor()
        result = clv.validate_clv_model(con, Filters(), date(2025, 12, 31), "day")
        predicted = clv.predict_customer_value(con, Filters(), "day", 12, 0.01)
    for fit in (result["bgnbd"], predicted["bgnbd"]):
        assert fit["a"] > 10 * LARGE_A  # the case this test is about
        assert fit["a"] / (fit["a"] + fit["b"]) == pytest.approx(0.08, rel=0.15)
    holdout = result["holdout"]
    assert holdout["actual_repeat_purchases"] > 1000
    assert abs(holdout["error"]) < 0.1  # data from the model: the forecast is close
    assert math.isfinite(holdout["predicted_revenue"]) and holdout["mae"] <= holdout["rmse"]
    assert result["by_frequency"]["predicted_mean"].is_finite().all()
    tracking = result["tracking"]
    assert tracking["expected_cumulative"].is_finite().all()
    assert tracking["expected_cumulative"].diff().drop_nulls().min() >= 0
    assert tracking["expected_cumulative"][-1] == pytest.approx(
        tracking["actual_cumulative"][-1], rel=0.05)
    assert math.isfinite(result["clv"]["total"]) and result["clv"]["mean"] > 0
    customers = predicted["customers"]
    assert customers.height == orders["customer_id"].n_unique()
    assert customers["p_alive"].is_between(0, 1).all()
    for name in ("expected_purchases", "predicted_clv"):
        assert customers[name].is_finite().all() and (customers[name] >= 0).all(), name
    # the customers' expected purchases come from the fitted model: E[Y] <= P(alive) E[1/p]
    a, b = predicted["bgnbd"]["a"], predicted["bgnbd"]["b"]
    bound = customers["p_alive"] * (a + b + customers["frequency"] - 1) / (a - 1)
    assert (customers["expected_purchases"] <= bound).all()


@pytest.mark.parametrize("time_unit, horizon, discount", [("week", 6, 0.0), ("day", 12, 0.01),
                                                          ("month", 24, 0.02)])
def test_predictions_equal_the_per_customer_formulas(sim, time_unit, horizon, discount):
    """The predictions are computed once per distinct (frequency, recency, T), from one
    grouping shared with the fit: they must equal the formulas applied to every customer
    with the models fitted on every customer."""
    ws, _ = sim
    result = clv.predict_customer_value(ws.cursor(), Filters(), time_unit, horizon, discount)
    summary = clv.compute_rfm_summary(ws.cursor(), Filters(), time_unit=time_unit)
    x, t_x, T, m = (summary[c].to_numpy() for c in ("frequency", "recency", "T",
                                                     "monetary_value"))
    bgnbd = BGNBDModel().fit(x, t_x, T)
    gg = GammaGammaModel().fit(x, m)
    assert (result["bgnbd"], result["gamma_gamma"]) == (bgnbd.params_, gg.params_)
    per_month = MONTH_DAYS / clv.unit_days(time_unit)
    value = previous = 0.0
    for month in range(1, horizon + 1):
        cumulative = bgnbd.expected_purchases(month * per_month, x, t_x, T)
        value = value + (cumulative - previous) / (1 + discount) ** month
        previous = cumulative
    customers = result["customers"]
    assert customers["customer_id"].to_list() == summary["customer_id"].to_list()
    spend = gg.expected_average_spend(x, m)
    for name, want in [("p_alive", bgnbd.probability_alive(x, t_x, T)),
                       ("expected_purchases", bgnbd.expected_purchases(
                           horizon * MONTH_DAYS / clv.unit_days(time_unit), x, t_x, T)),
                       ("expected_spend", spend), ("predicted_clv", value * spend)]:
        np.testing.assert_allclose(customers[name], want, rtol=1e-12, atol=0, err_msg=name)
    assert customers.select("frequency", "recency", "T").n_unique() < customers.height


def test_page_summary_and_segment_export_equal_the_customer_table(sim):
    """The page keeps only aggregates and the top customers; a segment's CSV is built on
    click. Both must say what the full customer table says."""
    ws, orders = sim
    con = ws.cursor()
    full = score_customers(con, Filters(), "week", 6, 0.0)["customers"]
    summary = summarise_customers(con, Filters(), "week", 6, 0.0, top=50)
    assert summary["customers"] == full.height == orders["customer_id"].n_unique()
    assert summary["top_customers"].equals(full.head(50))
    segments = summary["segments"]
    assert segments["customers"].sum() == full.height
    by_segment = full.group_by("segment").agg(pl.len().alias("n"),
                                              pl.col("predicted_clv").sum().alias("clv"))
    for row in segments.iter_rows(named=True):
        want = by_segment.filter(pl.col("segment") == row["segment"]).row(0, named=True)
        assert row["customers"] == want["n"]
        assert row["predicted_clv"] == pytest.approx(want["clv"], rel=1e-12)
        exported = pl.read_csv(export_segment(con, Filters(), row["segment"], "week", 6, 0.0))
        members = full.filter(pl.col("segment") == row["segment"])
        assert exported.height == row["customers"]
        assert sorted(exported["customer_id"].cast(pl.String)) == sorted(members["customer_id"])
        assert exported.columns == list(rfm.EXPORT_COLUMNS)


@pytest.mark.parametrize("calibration_end, message", [
    (date(2025, 1, 10), "holds only 10 day"),
    (date(2024, 12, 1), "before the first order"),
])
def test_validation_explains_what_to_change(sim, calibration_end, message):
    ws, _ = sim
    with pytest.raises(ModelError, match=message):
        clv.validate_clv_model(ws.cursor(), Filters(), calibration_end, "week")


def test_too_little_data_for_the_models():
    with Workspace.from_frames(orders=_tiny_orders()) as ws:
        con = ws.cursor()
        with pytest.raises(ModelError, match="at least 30 customers"):
            clv.validate_clv_model(con, Filters(), date(2026, 3, 1), "week")
        scored = score_customers(con, Filters())
    assert "at least 30 customers" in scored["model_error"]
    assert scored["customers"]["p_alive"].null_count() == 3
    assert scored["customers"]["segment"].null_count() == 0


def test_default_calibration_end():
    # a third of the history (731 // 3 = 243 days), at most a year
    assert clv.default_calibration_end(date(2024, 1, 1), date(2026, 1, 1)) == date(2025, 5, 3)
    assert clv.default_calibration_end(date(2020, 1, 1), date(2026, 1, 1)) == date(2025, 1, 1)
    assert clv.default_calibration_end(date(2026, 1, 1), date(2026, 4, 1)) == date(2026, 3, 2)
    assert clv.default_calibration_end(date(2026, 1, 1), date(2026, 1, 1)) == date(2026, 1, 1)
    # 35 days of orders (a short real export): a third would leave only 24 days to fit
    # on, so the calibration keeps the 28 days the models need and the holdout is 7 days
    assert clv.default_calibration_end(date(2023, 4, 27), date(2023, 6, 1)) == date(2023, 5, 25)


# -- charts ------------------------------------------------------------------------------------------


def test_charts(sim):
    ws, _ = sim
    con = ws.cursor()
    result = clv.validate_clv_model(con, Filters(), date(2025, 12, 31), "week")
    fig = charts.plot_holdout_by_frequency(result["by_frequency"])
    assert [t.name for t in fig.data] == ["actual", "model"]
    assert list(fig.data[0].x) == result["by_frequency"]["label"].to_list()
    fig = charts.plot_cumulative_repeat_purchases(result["tracking"], date(2025, 12, 31))
    assert [t.name for t in fig.data] == ["actual", "model"]
    assert len(fig.data[0].x) == result["tracking"].height
    assert fig.layout.shapes[0].x0 == date(2025, 12, 31)
    overview = historic_value.compute_value_overview(con, Filters())
    fig = charts.plot_lorenz_curve(overview["lorenz"], gini=overview["gini"])
    assert "Gini" in fig.layout.title.text and len(fig.data) == 2
    histogram = historic_value.compute_value_histogram(con, Filters(), True)
    fig = charts.plot_clv_histogram(histogram, log_scale=True)
    assert fig.layout.xaxis.type == "log"
    assert max(fig.data[0].y) == histogram["customers"].max()
    cohorts = historic_value.compute_cohort_value(con, Filters(), "quarter")
    fig = charts.plot_cohort_value(cohorts, period="quarter")
    assert len(fig.data) == cohorts["cohort"].n_unique()
    assert fig.data[0].marker.symbol[-1] == "circle-open"  # the partial period
