"""The RFM summary behind the CLV models and the RFM segmentation, against brute-force
references in plain Python, a hand-worked case and the published CDNOW summary."""

from __future__ import annotations

import gzip
from collections import defaultdict
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testkit import DATA

from retention_core.exports import to_safe_csv
from retention_core.filters import Filters
from retention_core.metrics.clv import compute_rfm_summary, validate_clv_model
from retention_core.metrics.rfm import (
    SEGMENT_GRID,
    SEGMENTS,
    compute_rfm_scores,
    name_segment,
    segment_file_name,
    select_segment_customers,
    summarise_segments,
)
from retention_core.models import BGNBDModel, GammaGammaModel
from retention_core.workspace import Workspace

EXCLUDED = {"cancelled", "canceled", "refunded", "voided", "failed"}
UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def _workspace(rows: list[dict]) -> Workspace:
    frame = pl.DataFrame(rows, schema={"order_id": pl.String, "customer_id": pl.String,
                                       "ordered_at": pl.Datetime("us"), "revenue": pl.Float64,
                                       "status": pl.String, "channel": pl.String})
    return Workspace.from_frames(orders=frame)


def _order(i, customer, when, revenue, status="paid", channel="web"):
    return {"order_id": f"o{i}", "customer_id": customer, "ordered_at": when,
            "revenue": revenue, "status": status, "channel": channel}


# -- the RFM summary --------------------------------------------------------------------------


def test_summary_hand_worked():
    d = datetime
    rows = [
        _order(1, "A", d(2026, 1, 1, 10), 10.0), _order(2, "A", d(2026, 1, 1, 18), 5.0),
        _order(3, "A", d(2026, 1, 8, 9), 20.0), _order(4, "A", d(2026, 1, 22, 23, 59), 12.0),
        _order(5, "A", d(2026, 1, 22, 8), 18.0), _order(6, "A", d(2026, 2, 5), 7.0),
        _order(7, "B", d(2026, 1, 15), 50.0),
        _order(8, None, d(2026, 1, 3), 99.0),  # guest
        _order(9, "D", d(2026, 1, 10), 40.0, status="Cancelled"),
        _order(10, "D", d(2026, 1, 12), 12.0),
        _order(11, "E", d(2026, 2, 2), 5.0),  # first order after the calibration end
        _order(12, "B", d(2026, 3, 2), 5.0),  # after the holdout end
    ]
    with _workspace(rows) as ws:
        got = compute_rfm_summary(ws.cursor(), Filters(), date(2026, 1, 31), "week",
                                  holdout_end=date(2026, 2, 28))
    by_id = {r["customer_id"]: r for r in got.to_dicts()}
    assert sorted(by_id) == ["A", "B", "D"]
    a = by_id["A"]
    # purchase days 01-01 (two orders), 01-08, 01-22 (two orders): 2 repeat days
    assert a["frequency"] == 2
    assert a["recency"] == pytest.approx(21 / 7)
    assert a["T"] == pytest.approx(30 / 7)
    assert a["monetary_value"] == pytest.approx((20 + 12 + 18) / 2)
    assert (a["holdout_frequency"], a["holdout_revenue"]) == (1, 7.0)
    b = by_id["B"]
    assert (b["frequency"], b["recency"], b["monetary_value"]) == (0, 0, 0)
    assert b["T"] == pytest.approx(16 / 7)
    assert b["holdout_frequency"] == 0  # the March order is after the holdout end
    d_row = by_id["D"]  # the cancelled order does not count: first purchase is 01-12
    assert d_row["T"] == pytest.approx(19 / 7)
    assert d_row["first_purchase"] == date(2026, 1, 12)


def reference_summary(rows, calibration_end: date, holdout_end: date, unit: float) -> dict:
    """Brute force: loop over kept orders with a customer; one purchase per day."""
    days: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for o in rows:
        if o["customer_id"] is None or (o["status"] or "").lower() in EXCLUDED:
            continue
        days[o["customer_id"]][o["ordered_at"].date()] += o["revenue"]
    out = {}
    for customer, revenue_by_day in days.items():
        calibration = sorted(day for day in revenue_by_day if day <= calibration_end)
        if not calibration:
            continue
        first, last = calibration[0], calibration[-1]
        repeat = [revenue_by_day[day] for day in calibration[1:]]
        holdout = [day for day in revenue_by_day if calibration_end < day <= holdout_end]
        out[customer] = {
            "frequency": len(repeat),
            "recency": (last - first).days / unit,
            "T": (calibration_end - first).days / unit,
            "monetary_value": sum(repeat) / len(repeat) if repeat else 0.0,
            "holdout_frequency": len(holdout),
            "holdout_revenue": sum(revenue_by_day[day] for day in holdout),
        }
    return out


START = datetime(2026, 3, 1)

orders_strategy = st.lists(
    st.fixed_dictionaries({
        "customer_id": st.sampled_from(["c1", "c2", "c3", "c4", "=c5", None]),
        "day": st.integers(0, 60),
        "minute": st.integers(0, 24 * 60 - 1),
        "revenue": st.floats(-20, 500, allow_nan=False).map(lambda v: round(v, 2)),
        "status": st.sampled_from(["paid", "paid", "paid", "refunded", None, "CANCELLED"]),
    }),
    min_size=1, max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders_strategy, cut=st.integers(0, 60), extra=st.integers(0, 30),
       unit=st.sampled_from(sorted(UNITS)))
def test_summary_matches_brute_force(orders, cut, extra, unit):
    rows = [_order(i, o["customer_id"],
                   START + timedelta(days=o["day"], minutes=o["minute"]), o["revenue"],
                   o["status"]) for i, o in enumerate(orders)]
    calibration_end = (START + timedelta(days=cut)).date()
    holdout_end = calibration_end + timedelta(days=extra)
    expected = reference_summary(rows, calibration_end, holdout_end, UNITS[unit])
    with _workspace(rows) as ws:
        got = compute_rfm_summary(ws.cursor(), Filters(), calibration_end, unit,
                                  holdout_end=holdout_end) if any(
            o["customer_id"] and (o["status"] or "").lower() not in EXCLUDED
            for o in rows) else None
    if got is None:
        return
    assert sorted(got["customer_id"]) == sorted(expected)
    for row in got.to_dicts():
        want = expected[row["customer_id"]]
        for key, value in want.items():
            assert row[key] == pytest.approx(value, abs=1e-9), (row["customer_id"], key)


def test_summary_honours_the_filters():
    d = datetime
    rows = [_order(1, "A", d(2026, 1, 1), 10.0, channel="web"),
            _order(2, "A", d(2026, 1, 5), 20.0, channel="shop"),
            _order(3, "A", d(2026, 1, 9), 30.0, channel="web")]
    with _workspace(rows) as ws:
        web = compute_rfm_summary(ws.cursor(), Filters(channels=("web",)), date(2026, 1, 10), "day")
    assert web.select("frequency", "recency", "monetary_value").row(0) == (1, 8, 30.0)


# -- CDNOW: the published summary from the transaction log ------------------------------------------


@pytest.fixture(scope="module")
def cdnow_workspace():
    rows = []
    with gzip.open(DATA / "cdnow_sample.txt.gz", "rt") as fh:
        for i, line in enumerate(fh):
            _, sample_id, day, _, amount = line.split()
            rows.append((f"t{i}", str(int(sample_id)), datetime.strptime(day, "%Y%m%d"), float(amount)))
    frame = pl.DataFrame(rows, schema={"order_id": pl.String, "customer_id": pl.String,
                                       "ordered_at": pl.Datetime("us"), "revenue": pl.Float64},
                         orient="row")
    ws = Workspace.from_frames(orders=frame)
    yield ws, frame
    ws.close()


def test_cdnow_log_gives_the_published_summary_and_parameters(cdnow_workspace):
    ws, _ = cdnow_workspace
    summary = compute_rfm_summary(ws.cursor(), Filters(), date(1997, 9, 30), "week",
                                  holdout_end=date(1998, 6, 30))
    published = pl.read_csv(DATA / "cdnow_summary.csv").with_columns(
        pl.col("ID").cast(pl.String).alias("customer_id"))
    joined = summary.join(published, on="customer_id", how="inner")
    assert summary.height == joined.height == 2357
    assert (joined["frequency"] == joined["x"]).all()
    # the published file rounds to two decimals
    assert (joined["recency"] - joined["t_x"]).abs().max() <= 0.005 + 1e-9
    assert (joined["T"] - joined["T_right"]).abs().max() <= 0.005 + 1e-9
    assert (joined["monetary_value"] - joined["zbar"]).abs().max() <= 0.005 + 1e-9
    bgnbd = BGNBDModel().fit(summary["frequency"], summary["recency"], summary["T"])
    assert {k: round(v, 3) for k, v in bgnbd.params_.items()} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    gg = GammaGammaModel().fit(summary["frequency"], summary["monetary_value"])
    assert gg.params_ == pytest.approx({"p": 6.25, "q": 3.74, "v": 15.44}, abs=0.01)


def test_cdnow_holdout_figures(cdnow_workspace):
    ws, frame = cdnow_workspace
    result = validate_clv_model(ws.cursor(), Filters(), date(1997, 9, 30), "week")
    holdout = result["holdout"]
    # brute force: distinct (customer, day) pairs in weeks 40-78
    days = {(c, t.date()) for c, t in frame.select("customer_id", "ordered_at").rows()
            if date(1997, 9, 30) < t.date() <= date(1998, 6, 30)}
    assert holdout["actual_repeat_purchases"] == len(days)
    assert holdout["days"] == 273 and holdout["end"] == date(1998, 6, 30)
    # predicted: the conditional expectation over the 39 holdout weeks of every customer
    model = BGNBDModel(params_=result["bgnbd"])
    published = pl.read_csv(DATA / "cdnow_summary.csv")
    predicted = model.expected_purchases(39.0, published["x"], published["t_x"],
                                         published["T"]).sum()
    assert holdout["predicted_repeat_purchases"] == pytest.approx(predicted, rel=1e-3)
    assert holdout["error"] == pytest.approx(predicted / len(days) - 1, abs=1e-3)
    by_frequency = result["by_frequency"]
    assert by_frequency["customers"].sum() == 2357
    tracking = result["tracking"]
    calibration_repeats = pl.read_csv(DATA / "cdnow_summary.csv")["x"].sum()
    at_end = tracking.filter(pl.col("day") == date(1997, 9, 30))["actual_cumulative"][0]
    assert at_end == calibration_repeats
    assert tracking["actual_cumulative"][-1] == calibration_repeats + len(days)
    # expected cumulative repeat purchases at the calibration end: sum of E[X(T_i)]
    t_days = published["T"].to_numpy() * 7
    expected = model.expected_purchases_new_customer(t_days.round() / 7).sum()
    at_end_model = tracking.filter(pl.col("day") == date(1997, 9, 30))["expected_cumulative"][0]
    assert at_end_model == pytest.approx(expected, rel=1e-9)


# -- RFM scores and segments --------------------------------------------------------------------


def reference_scores(rows) -> dict[str, tuple[int, int, int, int]]:
    """Brute force: (recency_days, r, f, m) per customer with the quintile rule."""
    per: dict[str, dict] = {}
    for o in rows:
        if o["customer_id"] is None or (o["status"] or "").lower() in EXCLUDED:
            continue
        c = per.setdefault(o["customer_id"], {"last": None, "orders": 0, "revenue": 0.0})
        c["last"] = max(c["last"] or o["ordered_at"].date(), o["ordered_at"].date())
        c["orders"] += 1
        c["revenue"] += o["revenue"]
    as_of = max(c["last"] for c in per.values())
    n = len(per)

    def score(worse: int) -> int:
        return min(5, 1 + (5 * worse) // n)

    out = {}
    for cid, c in per.items():
        r = score(sum(1 for o in per.values() if o["last"] < c["last"]))
        f = score(sum(1 for o in per.values() if o["orders"] < c["orders"]))
        m = score(sum(1 for o in per.values() if o["revenue"] < c["revenue"] - 1e-9))
        out[cid] = ((as_of - c["last"]).days, r, f, m)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=st.lists(st.fixed_dictionaries({
    "customer_id": st.sampled_from([f"k{i}" for i in range(12)]),
    "day": st.integers(0, 90),
    "revenue": st.integers(1, 30).map(float),
    "status": st.sampled_from(["paid", "paid", "refunded"]),
}), min_size=1, max_size=60))
def test_scores_match_brute_force(orders):
    rows = [_order(i, o["customer_id"], START + timedelta(days=o["day"]), o["revenue"],
                   o["status"]) for i, o in enumerate(orders)]
    expected = reference_scores(rows) if any(o["status"] == "paid" for o in orders) else {}
    if not expected:
        return
    with _workspace(rows) as ws:
        got = compute_rfm_scores(ws.cursor(), Filters())
    assert got.height == len(expected)
    for row in got.to_dicts():
        days, r, f, m = expected[row["customer_id"]]
        assert (row["recency_days"], row["r_score"], row["f_score"], row["m_score"]) == (
            days, r, f, m)
        assert row["rfm"] == f"{r}{f}{m}"
        assert row["segment"] == name_segment(r, f)


def test_segment_grid_is_complete():
    named = {name_segment(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert named == set(SEGMENTS)
    assert name_segment(5, 5) == "champions" and name_segment(1, 1) == "lost"
    assert name_segment(5, 1) == "new" and name_segment(1, 5) == "can't lose"
    assert name_segment(2, 3) == "at risk" and name_segment(2, 1) == "hibernating"
    assert len(SEGMENT_GRID) == 5


def test_segment_summary_and_safe_export():
    d = datetime
    ids = ["=HYPERLINK(\"http://x\")", "+4915100", "-2+3", "@SUM(A1)", "plain"]
    rows = [_order(i, cid, d(2026, 1, 1) + timedelta(days=i), 10.0 * (i + 1))
            for i, cid in enumerate(ids)]
    with _workspace(rows) as ws:
        customers = compute_rfm_scores(ws.cursor(), Filters()).with_columns(
            pl.lit(None, pl.Float64).alias("p_alive"), pl.lit(None, pl.Float64).alias("predicted_clv"))
    summary = summarise_segments(customers)
    assert summary["customers"].sum() == 5
    assert summary["customer_share"].sum() == pytest.approx(1.0)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    text = b"".join(to_safe_csv(select_segment_customers(customers, s))
                    for s in summary["segment"]).decode("utf-8-sig")
    for cid in ids[:4]:
        assert f"'{cid}" in text.replace('""', '"')
        assert f"\n{cid}" not in text and f'\n"{cid}' not in text
    assert "\nplain," in text
    assert segment_file_name("can't lose") == "segment-cant-lose.csv"
    with pytest.raises(Exception, match="Unknown segment"):
        select_segment_customers(customers, "whales")
