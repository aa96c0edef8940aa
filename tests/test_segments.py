"""Segment comparison: ranking with Wilson intervals, the sentence, small-group warnings."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from retention_core.demo import generate_demo
from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics import segments as s
from retention_core.metrics.retention import compute_cohort_table
from retention_core.workspace import Workspace


def _shop(groups: dict[str | None, tuple[int, int]], *, column: str = "channel") -> pl.DataFrame:
    """Per segment value (customers, returners): every customer's first order on Jan 10,
    2026; returners order again on Feb 10 (month 1). One more order on Mar 15 (by the
    first returner) makes February complete and "as of" March 15."""
    rows = []
    for value, (customers, returners) in groups.items():
        for i in range(customers):
            cid = f"{value}-{i}"
            rows.append((f"{cid}-1", cid, datetime(2026, 1, 10), 10.0, value))
            if i < returners:
                rows.append((f"{cid}-2", cid, datetime(2026, 2, 10), 10.0, "other-channel"))
    first_returner = next(f"{v}-0" for v, (_, ret) in groups.items() if ret)
    rows.append(("last", first_returner, datetime(2026, 3, 15), 10.0, "other-channel"))
    return pl.DataFrame(rows, schema=["order_id", "customer_id", "ordered_at", "revenue", column],
                        orient="row")


@pytest.fixture(scope="module")
def ranked():
    # A: 20 of 40 back in February; B: 4 of 40; C: 5 of 5 but too small to tell (< 30)
    with Workspace.from_frames(orders=_shop({"A": (40, 20), "B": (40, 4), "C": (5, 5)})) as ws:
        return s.compare_segments(ws.cursor(), Filters(), "channel", "month", 1)


def test_wilson_interval_published_values():
    # Newcombe (1998), Stat. Med. 17:857-872, Table I, method 3 (Wilson score)
    assert s.wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert s.wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert s.wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert s.wilson_interval(0, 0) == (None, None)


def test_ranking_constructed_case(ranked):
    table = ranked["ranking"]
    assert table.get_column("segment").to_list() == ["A", "B", "C"]
    assert table.get_column("rank").to_list() == [1, 2, 3]
    # the segment is the first order's channel: the "other-channel" repeat orders do not
    # create segments
    assert table.get_column("customers").to_list() == [40, 40, 5]
    assert table.get_column("repeat_purchase_rate").to_list() == [0.5, 0.1, 1.0]
    assert table.get_column("eligible").to_list() == [40, 40, 5]
    assert table.get_column("rate").to_list() == [0.5, 0.1, 1.0]
    # Wilson by hand, z = 1.96, n = 40: 1 + z^2/n = 1.0960365, z^2/2n = 0.0480182
    # A: centre (0.5 + 0.0480182) / 1.0960365 = 0.5; half 1.788228 * sqrt(0.00625 +
    #    0.00060023) = 0.148004 -> 0.351996 .. 0.648004
    # B: centre 0.1480182 / 1.0960365 = 0.135049; half 1.788228 * sqrt(0.00225 + 0.00060023)
    #    = 0.095470 -> 0.039579 .. 0.230518
    assert table.row(0, named=True)["ci_low"] == pytest.approx(0.351996, abs=1e-5)
    assert table.row(0, named=True)["ci_high"] == pytest.approx(0.648004, abs=1e-5)
    assert table.row(1, named=True)["ci_low"] == pytest.approx(0.039579, abs=1e-5)
    assert table.row(1, named=True)["ci_high"] == pytest.approx(0.230518, abs=1e-5)
    # C has the highest rate but only 5 customers: flagged and ranked after the others
    assert table.get_column("too_small").to_list() == [False, False, True]


def test_sentence_is_computed_from_the_numbers(ranked):
    said = ranked["summary"]
    assert said["best"] == "A"
    # rest pooled: (4 + 5) / (40 + 5) = 20% -> +30 points, 2.5 times
    assert said["difference_points"] == pytest.approx(30.0)
    assert said["ratio"] == pytest.approx(2.5)
    assert "**A**" in said["sentence"]
    for fragment in ("50.0%", "35.2%", "64.8%", "n = 40", "20.0%", "+30.0 points", "2.50×"):
        assert fragment in said["sentence"], fragment
    # C is too small; A and B do not overlap, so no "cannot tell apart" warning
    assert len(said["warnings"]) == 1 and "C" in said["warnings"][0]
    assert "Too few customers" in said["warnings"][0]


def test_overlapping_intervals_warn():
    # 12/40 vs 10/40: 30% vs 25%, intervals overlap -> the data cannot tell them apart
    with Workspace.from_frames(orders=_shop({"A": (40, 12), "B": (40, 10)})) as ws:
        said = s.compare_segments(ws.cursor(), Filters(), "channel", "month", 1)["summary"]
    assert said["best"] == "A"
    assert any("cannot tell them apart" in w for w in said["warnings"])


def test_all_groups_too_small():
    with Workspace.from_frames(orders=_shop({"A": (10, 5), "B": (8, 1)})) as ws:
        said = s.compare_segments(ws.cursor(), Filters(), "channel", "month", 1)["summary"]
    assert said["best"] is None and said["sentence"] is None
    assert any("cannot say which keeps customers best" in w for w in said["warnings"])
    # a lower minimum makes them comparable
    with Workspace.from_frames(orders=_shop({"A": (10, 5), "B": (8, 1)})) as ws:
        said = s.compare_segments(ws.cursor(), Filters(), "channel", "month", 1,
                                  min_customers=5)["summary"]
    assert said["best"] == "A"


def test_unknown_segment_is_never_announced_best():
    # customers without a channel keep best (30/40) but "(unknown)" is not a segment to
    # invest in: the sentence names A
    with Workspace.from_frames(orders=_shop({None: (40, 30), "A": (40, 20)})) as ws:
        out = s.compare_segments(ws.cursor(), Filters(), "channel", "month", 1)
    assert out["ranking"].get_column("segment").to_list() == ["(unknown)", "A"]
    assert out["summary"]["best"] == "A"


def test_no_cohort_old_enough():
    # period index 5 is beyond every cohort: nothing to rank, a clear warning
    with Workspace.from_frames(orders=_shop({"A": (40, 20)})) as ws:
        out = s.compare_segments(ws.cursor(), Filters(), "channel", "month", 5)
    assert out["ranking"].get_column("rate").to_list() == [None]
    assert "old enough" in out["summary"]["warnings"][0]


def test_boolean_and_discount_segments():
    # discount code on the first order: blank counts as no code; delivered_late as text
    orders = pl.DataFrame({
        "order_id": ["1", "2", "3", "4", "5"],
        "customer_id": ["a", "b", "c", "a", "d"],
        "ordered_at": [datetime(2026, 1, d) for d in (1, 2, 3, 20, 25)],
        "revenue": [1.0] * 5,
        "discount_code": ["SPRING", "", None, None, " "],
        "delivered_late": [True, False, None, False, True],
    })
    with Workspace.from_frames(orders=orders) as ws:
        con = ws.cursor()
        codes = s.compute_segment_cohorts(con, Filters(), "discount_code", "month")
        late = s.compute_segment_cohorts(con, Filters(), "delivered_late", "month")
    assert dict(codes.select("segment", "cohort_size").rows()) == {"with code": 1, "no code": 3}
    assert dict(late.select("segment", "cohort_size").rows()) == {
        "late": 2, "on time": 1, "(unknown)": 1}


def test_top_segments_pool_the_rest():
    # 12 products with 12, 11, ..., 1 customers; top 10 keep their names, the two
    # smallest (2 + 1 customers) are pooled as "(other)"
    rows = []
    for p in range(12):
        for i in range(12 - p):
            rows.append((f"{p}-{i}", f"c{p}-{i}", datetime(2026, 1, 5), 1.0, f"P{p:02d}"))
    orders = pl.DataFrame(rows, schema=["order_id", "customer_id", "ordered_at", "revenue",
                                        "product"], orient="row")
    with Workspace.from_frames(orders=orders) as ws:
        got = s.compute_segment_cohorts(ws.cursor(), Filters(), "product", "month", top=10)
    sizes = dict(got.select("segment", "cohort_size").rows())
    assert len(sizes) == 11 and sizes["(other)"] == 3 and sizes["P00"] == 12


def test_segments_partition_the_cohort_table():
    # on the demo data, every dimension's segments add up to the cohort table, cell by cell
    with Workspace.from_frames(**generate_demo(400, 3)) as ws:
        con = ws.cursor()
        whole = compute_cohort_table(con, Filters(), "quarter", unbounded=True)
        for dimension in s.SEGMENT_DIMENSIONS:
            parts = s.compute_segment_cohorts(con, Filters(), dimension, "quarter", unbounded=True)
            summed = (parts.group_by("cohort", "period_index")
                      .agg(pl.col("retained").sum(), pl.col("cohort_size").sum())
                      .sort("cohort", "period_index"))
            assert summed.get_column("retained").to_list() == whole.get_column("retained").to_list()
            assert summed.get_column("cohort_size").to_list() == \
                whole.get_column("cohort_size").to_list()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dimension": "colour"}, "Cannot split customers"),
    ({"dimension": "channel", "period_index": -1}, "0 or more"),
    ({"dimension": "channel", "top": 0}, "top must be"),
])
def test_bad_arguments(kwargs, message):
    with Workspace.from_frames(orders=_shop({"A": (3, 1)})) as ws, \
            pytest.raises(InputError, match=message):
        s.compare_segments(ws.cursor(), Filters(), **kwargs)
