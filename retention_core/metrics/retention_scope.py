"""What every retention query shares: the "as of" date, the partial period, bound params.

Definitions (SPEC.md, "Metric definitions"): "as of" defaults to the latest date in the
data; the period containing it is partial. Orders after "as of" do not exist for a
metric computed at that date.

Scope of the retention metrics under the global filters:

- channel / country / device filters select orders (``scoped_orders``), as everywhere;
- the date range selects the *customers acquired in it* and the activity in it, but a
  customer's history before the range still counts: someone who first bought before the
  range is not "new" when they come back inside it, and a customer active before the
  range start is active at the start of the range's first period (CRR's S);
- the range end (or "as of", whichever is earlier) is the date the metrics are taken at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics.common import (
    check_period,
    next_period_start,
    on_order_bounds,
    period_start,
)
from retention_core.sql import load_sql, query_one


@dataclass(frozen=True)
class Scope:
    """The date a metric is taken at and the period it falls in.

    Attributes
    ----------
    as_of
        Last day that counts (inclusive).
    current_start
        First day of the period containing ``as_of``.
    current_partial
        Whether that period is still running at ``as_of`` (``as_of`` is not its last day).
    """

    as_of: date
    period: str
    current_start: date
    current_partial: bool

    @property
    def until(self) -> datetime:
        """Exclusive end instant: midnight after ``as_of``."""
        return datetime.combine(self.as_of + timedelta(days=1), time())


def latest_order_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """Date of the latest kept order in the workspace (before any filter), or None."""
    row = query_one(con, on_order_bounds(con, load_sql("retention/latest_order_date")))
    return row[0] if row else None


def resolve_scope(con: duckdb.DuckDBPyConnection, filters: Filters, period: str,
                  as_of: date | None = None) -> Scope | None:
    """The :class:`Scope` of a computation, or None when there are no orders to look at
    (none at all, or the date range starts after the latest one).

    ``as_of`` defaults to the latest order date; a date-range end earlier than it wins.
    """
    check_period(period)
    if as_of is not None and not isinstance(as_of, date):
        raise InputError(f"as of must be a date, got {as_of!r}")
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    explicit = as_of is not None
    if as_of is None:
        as_of = latest_order_date(con)
        if as_of is None:
            return None
    if filters.end is not None and filters.end < as_of:
        as_of = filters.end
    if filters.start is not None and as_of < filters.start:
        if explicit:
            raise InputError(f"as of ({as_of}) is before the start of the date range "
                             f"({filters.start}); pick a later date")
        return None  # the range starts after the last order: nothing to show
    start = period_start(as_of, period)
    partial = as_of + timedelta(days=1) < next_period_start(as_of, period)
    return Scope(as_of, period, start, partial)


def scope_params(filters: Filters, scope: Scope, **extra: Any) -> dict[str, Any]:
    """Bound parameters for the retention SQL: filters, period, as-of bounds, ``extra``.

    ``until`` (exclusive end instant) replaces the filter end: ``as_of`` is never later
    than the range end.
    """
    params = filters.params()
    params.update(
        period=scope.period,
        until=scope.until,
        as_of_day=scope.as_of,
        current_start=scope.current_start,
        current_partial=scope.current_partial,
    )
    params.update(extra)
    return params


def check_days(value: int, name: str) -> int:
    """A window length in days: a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a whole number of days, at least 1; got {value!r}")
    return value
