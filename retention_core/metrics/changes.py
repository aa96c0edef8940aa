"""Explain a KPI's change between two periods by the segment that accounts for most of it.

For an additive KPI (revenue, orders) the change splits exactly into per-segment changes:
``delta = sum_s (V1_s - V0_s)``. For a ratio KPI (a rate = sum of values / sum of
weights: repeat purchase rate, AOV, NPS, CSAT, cart abandonment) we use the share-weighted
split ``delta = sum_s (V1_s / W1 - V0_s / W0)``, where ``W`` is the total weight of a
period: each segment's term mixes its own rate change and its change in size, and the
terms add up to the whole change exactly, so "accounts for 70% of the fall" is a true
statement about the data, not a template.

Candidate segments are every value of one dimension and every pair of values of two
dimensions. The reported segment is the one with the largest share of the change in
the direction of the change; among candidates within 5 points of the best, the smallest
group wins (then the one with fewer dimensions), so a cause confined to "paid ads on
mobile" is named as such rather than as "paid ads".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import polars as pl

TIE_TOLERANCE = 0.05
MIN_SHARE = 0.3


@dataclass(frozen=True)
class SegmentContribution:
    """One segment's part of a change."""

    segment: dict[str, str]
    contribution: float  # in the KPI's own unit
    share: float  # contribution / total change
    size_before: float
    size_after: float


def decompose_change(records: pl.DataFrame, *, dims: Sequence[str], value: str,
                     weight: str | None = None, current: str = "is_current",
                     count: str | None = None) -> tuple[float, pl.DataFrame]:
    """Split the change of a KPI between the previous and the current period by segment.

    Parameters
    ----------
    records
        One row per unit (order, customer, answer, cart) of either period, with a Boolean
        ``current`` column, the ``dims`` columns, a ``value`` column and, for a ratio KPI,
        a ``weight`` column (the KPI is ``sum(value) / sum(weight)``; for an additive KPI
        it is ``sum(value)``). A row may also stand for several units with the same
        segment values (their values and weights added up): the result is the same.
    dims
        Segment columns to search (single values and pairs).
    count
        For an additive KPI on such grouped rows: the column holding how many units a
        row stands for (segment sizes count units; without it, one per row).

    Returns
    -------
    (delta, table)
        The total change and one row per candidate segment with columns ``dims`` (the
        segment's values, null for a dimension not used), ``n_dims``, ``contribution``,
        ``share``, ``size_before``, ``size_after``, ``is_everyone`` (the segment holds
        every unit of both periods).
    """
    records = records.with_columns(pl.col(value).cast(pl.Float64),
                                   *([pl.col(weight).cast(pl.Float64)] if weight else []))
    if not weight and not count:
        # one unit per row; a column, not pl.lit(1.0), whose sum in a group_by is 1
        records = records.with_columns(pl.lit(1.0).alias("_one_unit"))
        count = "_one_unit"
    w = pl.col(weight) if weight else pl.col(count).cast(pl.Float64)
    totals = records.group_by(current).agg(pl.col(value).sum().alias("v"), w.sum().alias("w"))
    # sizes are the weights (units when the KPI is additive)
    tot = {row[current]: (row["v"], row["w"]) for row in totals.iter_rows(named=True)}
    v0, w0 = tot.get(False, (0.0, 0.0))
    v1, w1 = tot.get(True, (0.0, 0.0))
    if weight:
        if not w0 or not w1:
            return float("nan"), pl.DataFrame()
        delta = v1 / w1 - v0 / w0
    else:
        delta = v1 - v0

    groupings = [(d,) for d in dims] + list(combinations(dims, 2))
    if not groupings:
        return delta, pl.DataFrame()
    # the records once per grouping, the dimensions it does not use set to null, then one
    # group-by over all of them (one polars query: the records are small, and a query per
    # grouping cost ~3x as much)
    units = records.lazy().select(pl.col(current).alias("_current"), pl.col(value).alias("_value"),
                                  w.alias("_weight"), *(pl.col(d).cast(pl.String) for d in dims))
    stacked = pl.concat([
        units.filter(pl.all_horizontal(pl.col(d).is_not_null() for d in group))
        .select("_current", "_value", "_weight", pl.lit(i).alias("_grouping"),
                pl.lit(len(group)).alias("n_dims"),
                *(pl.col(d) if d in group else pl.lit(None, dtype=pl.String).alias(d)
                  for d in dims))
        for i, group in enumerate(groupings)])
    now = pl.col("_current")
    contribution = (pl.col("v1") / w1 - pl.col("v0") / w0) if weight else (pl.col("v1") - pl.col("v0"))
    # a "segment" holding every unit is reported but never named as the cause
    everything = (pl.col("size_before") == w0) & (pl.col("size_after") == w1)
    share = pl.col("contribution") / delta if delta else pl.lit(None, dtype=pl.Float64)
    table = (stacked.group_by("_grouping", "n_dims", *dims)
             .agg(pl.col("_value").filter(now).sum().alias("v1"),
                  pl.col("_value").filter(~now).sum().alias("v0"),
                  pl.col("_weight").filter(now).sum().alias("size_after"),
                  pl.col("_weight").filter(~now).sum().alias("size_before"))
             .select(*dims, "n_dims", contribution.alias("contribution"), "size_before",
                     "size_after", everything.alias("is_everyone"))
             .with_columns(share.alias("share"))
             .sort("share", descending=True, nulls_last=True)
             .collect())
    return delta, table


def explain_change(records: pl.DataFrame, *, dims: Sequence[str], value: str,
                   weight: str | None = None, current: str = "is_current",
                   count: str | None = None) -> SegmentContribution | None:
    """The segment that accounts for most of the change, or None if none accounts for
    at least 30% of it (or nothing changed). Arguments as :func:`decompose_change`."""
    delta, table = decompose_change(records, dims=dims, value=value, weight=weight,
                                    current=current, count=count)
    if table.height:
        table = table.filter(~pl.col("is_everyone"))
    if not table.height or not delta or delta != delta:
        return None
    best = table.get_column("share").max()
    if best is None or best < MIN_SHARE:
        return None
    close = table.filter(pl.col("share") >= best - TIE_TOLERANCE).with_columns(
        (pl.col("size_before") + pl.col("size_after")).alias("size"))
    # the most specific: smallest group, then fewest dimensions (a pair naming the same
    # units as a single value adds nothing); then by name, so that equal candidates give
    # the same answer whatever order the groups came in
    pick = close.sort(["size", "n_dims", *dims], nulls_last=True).row(0, named=True)
    segment = {d: pick[d] for d in dims if pick[d] is not None}
    return SegmentContribution(segment, pick["contribution"], pick["share"],
                               pick["size_before"], pick["size_after"])
