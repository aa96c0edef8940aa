"""Purchase days per customer, read from ``order_facts`` in one scan (issue 9).

The RFM scores and the CLV models count *purchase days*: a (customer, calendar day) with
at least one kept order, its revenue the day's sum (SPEC.md, "Predictive CLV"). In SQL that
is a group-by of every order in scope by (customer, day), a window numbering each
customer's days and a group-by per customer (``sql/clv/customer_rfm.sql``,
``sql/clv/rfm_summary.sql``): 130-150 ms at 10M orders with a country filter, most of it
hashing and sorting ~1M rows that are already in order. ``order_facts`` is stored sorted by
(customer, time) and a filtered scan keeps that order, so here the days and the customers
are runs of equal values, found and summed with NumPy in a few passes (no hash, no sort):
40-100 ms for the same.

Sums run in the rows' order, so the same data gives the same bits every time (DuckDB's
parallel sums need not). The SQL files stay for workspaces without ``order_facts``
(mounted files, an older file opened read-only); ``tests/test_order_facts.py`` and
``tests/test_rfm_keyed.py`` check both give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import polars as pl

from retention_core import derived
from retention_core.filters import Filters

_SCAN = """
select customer_id, cast(ordered_at as date) as day, revenue
from scoped_order_facts($f_start, $f_end, $f_channels, $f_countries, $f_devices)
where customer_id is not null
"""

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class PurchaseDays:
    """The purchase days in scope, by customer key and day (days since 1970-01-01).

    ``key``, ``day``, ``revenue``, ``orders``: one entry per purchase day, sorted by key
    and day; ``starts``: the index of each customer's first day (so ``key[starts]`` are the
    customers, in key order, and a customer's days run up to the next start).
    """

    key: np.ndarray
    day: np.ndarray
    revenue: np.ndarray
    orders: np.ndarray
    starts: np.ndarray

    @property
    def customers(self) -> int:
        return len(self.starts)

    def per_customer(self, values: np.ndarray) -> np.ndarray:
        """Sums of ``values`` (one per purchase day) per customer, in the rows' order."""
        if not self.customers:
            return values[:0]
        return np.add.reduceat(values, self.starts)

    def is_first(self) -> np.ndarray:
        """True on each customer's first purchase day."""
        first = np.zeros(len(self.key), dtype=bool)
        first[self.starts] = True
        return first

    def spread(self, per_customer: np.ndarray) -> np.ndarray:
        """A value per customer repeated on each of their purchase days."""
        return np.repeat(per_customer, np.diff(np.append(self.starts, len(self.key))))


def available(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether :func:`load` can read this workspace (it has current ``order_facts``)."""
    return derived.available(con, "order_facts")


def load(con: duckdb.DuckDBPyConnection, filters: Filters) -> PurchaseDays:
    """The purchase days of the customers' orders in scope (guest orders left out)."""
    table = con.sql(_SCAN, params=filters.params()).to_arrow_table()
    key = table.column("customer_id").to_numpy()
    day = table.column("day").cast("int32").to_numpy()
    revenue = table.column("revenue").to_numpy()
    if not _in_order(key, day):  # not expected: order_facts is stored in this order
        order = np.lexsort((day, key))
        key, day, revenue = key[order], day[order], revenue[order]
    rows = len(key)
    new_day = np.ones(rows, dtype=bool)
    if rows:
        new_day[1:] = (key[1:] != key[:-1]) | (day[1:] != day[:-1])
    day_starts = np.flatnonzero(new_day)
    day_key = key[day_starts]
    new_customer = np.ones(len(day_starts), dtype=bool)
    new_customer[1:] = day_key[1:] != day_key[:-1]
    return PurchaseDays(
        key=day_key, day=day[day_starts],
        revenue=np.add.reduceat(revenue, day_starts) if rows else revenue,
        orders=np.diff(np.append(day_starts, rows)).astype(np.int64),
        starts=np.flatnonzero(new_customer))


def _in_order(key: np.ndarray, day: np.ndarray) -> bool:
    if len(key) < 2:
        return True
    step = np.diff(key.astype(np.int64))
    return bool(np.all((step > 0) | ((step == 0) & (day[1:] >= day[:-1]))))


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def customer_rfm(days: PurchaseDays) -> pl.DataFrame:
    """``sql/clv/customer_rfm.sql`` on integer keys: per customer ``customer_id`` (the key),
    ``first_order``, ``last_order``, ``orders``, ``revenue``, ``frequency`` (purchase days
    - 1) and ``monetary_value`` (mean revenue of the repeat purchase days, 0 without any)."""
    count = np.diff(np.append(days.starts, len(days.key)))
    repeat_revenue = days.per_customer(np.where(days.is_first(), 0.0, days.revenue))
    frequency = count - 1
    return pl.DataFrame({
        "customer_id": days.key[days.starts],
        "first_order": _dates(days.day[days.starts]),
        "last_order": _dates(days.day[days.starts + count - 1]),
        "orders": days.per_customer(days.orders),
        "revenue": days.per_customer(days.revenue),
        "frequency": frequency.astype(np.int64),
        "monetary_value": np.divide(repeat_revenue, frequency, out=np.zeros(len(count)),
                                    where=frequency > 0),
    })


def rfm_summary(days: PurchaseDays, calibration_end: date, holdout_end: date,
                unit_days: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``sql/clv/rfm_summary.sql`` with its daily rows on integer keys: the per-customer
    summary (customers whose first purchase day is on or before ``calibration_end``, in
    key order) and the daily series (``day``, ``first_purchases``, ``repeat_purchases`` of
    those customers up to ``holdout_end``, days with either only), see
    :func:`retention_core.metrics.clv.validate_clv_model`."""
    end = (calibration_end - _EPOCH).days
    last = (holdout_end - _EPOCH).days
    first_day = days.day[days.starts]
    is_first = days.is_first()
    in_calibration = days.day <= end
    in_holdout = (days.day > end) & (days.day <= last)
    frequency = days.per_customer(in_calibration.astype(np.int64)) - 1
    repeat_revenue = days.per_customer(np.where(in_calibration & ~is_first, days.revenue, 0.0))
    last_day = np.maximum.reduceat(np.where(in_calibration, days.day, first_day.min()),
                                   days.starts) if days.customers else first_day
    kept = first_day <= end
    recency_days = (last_day - first_day)[kept].astype(np.int64)
    t_days = (end - first_day)[kept].astype(np.int64)
    summary = pl.DataFrame({
        "customer_id": days.key[days.starts][kept],
        "frequency": frequency[kept].astype(float),
        "recency": recency_days / unit_days,
        "T": t_days / unit_days,
        "monetary_value": np.divide(repeat_revenue, frequency, out=np.zeros(len(frequency)),
                                    where=frequency > 0)[kept],
        "first_purchase": _dates(first_day[kept]),
        "recency_days": recency_days,
        "t_days": t_days,
        "holdout_frequency": days.per_customer(in_holdout.astype(np.int64))[kept],
        "holdout_revenue": days.per_customer(np.where(in_holdout, days.revenue, 0.0))[kept],
    })
    counted = days.spread(kept) & (days.day <= last)
    base = int(days.day[counted].min()) if counted.any() else 0
    firsts = np.bincount(days.day[counted & is_first] - base)
    repeats = np.bincount(days.day[counted & ~is_first] - base)
    span = max(len(firsts), len(repeats))
    firsts, repeats = (np.pad(c, (0, span - len(c))).astype(np.int64) for c in (firsts, repeats))
    shown = np.flatnonzero(firsts + repeats)
    daily = pl.DataFrame({"day": _dates(shown + base), "first_purchases": firsts[shown],
                          "repeat_purchases": repeats[shown]})
    return summary, daily
