"""Helpers shared by the metric modules: filter options, data bounds, periods."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from retention_core import derived
from retention_core.errors import InputError, RetentionError
from retention_core.filters import PERIODS
from retention_core.sql import load_sql, query_frame, query_one


def list_filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Values of channel / country / device present anywhere in the workspace."""
    frame = query_frame(con, load_sql("common/filter_options"))
    out: dict[str, list[str]] = {"channel": [], "country": [], "device": []}
    for dimension, value in frame.iter_rows():
        out[dimension].append(value)
    return out


def data_bounds(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """(first date, last date) over all data, or None for an empty workspace.

    The orders' bounds come from ``order_bounds`` (the first and last kept order's time,
    stored at import) when the workspace has it, else from ``order_facts`` (the same kept
    orders; an unfiltered min / max there is answered from the table's statistics while
    none of its rows was deleted): 10M orders ~0.4 ms instead of ~36 ms for a scan of
    ``kept_orders``.
    """
    sql = load_sql("common/data_bounds")
    if derived.available(con, "order_bounds"):
        sql = sql.replace("from kept_orders", "from order_bounds")
    elif derived.available(con, "order_facts"):
        sql = sql.replace("from kept_orders", "from order_facts")
    row = query_one(con, sql)
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def order_rank(on_order_facts: bool) -> str:
    """The ``order_rank`` column of a query that finds each customer's first order (the
    line for its ``-- {order_rank}`` marker): (ordered_at, order_id), or on ``order_facts``
    the row number alone, which ranks a customer's orders the same way and compares
    faster than a pair (an integer; 10-15% of such a query)."""
    return ("order_id" if on_order_facts else "(ordered_at, order_id)") + " as order_rank,\n"


def customer_orders_sql(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The query ``name`` reading ``scoped_order_facts`` (integer customer keys, see
    :mod:`retention_core.derived.orders`) instead of ``scoped_orders`` when the workspace
    has that table; else as written (a mounted or older workspace).

    Only for queries whose ``scoped_orders`` reads use nothing but customer_id, order_id,
    ordered_at, revenue, channel, country and device, never show or join a customer_id (on
    the derived table it is an integer key) and use order_id only to order one customer's
    orders (there it is the row number, which ranks a customer's orders as (ordered_at,
    order_id) does). Results are the same either way (tests/test_order_facts.py).
    """
    return on_order_facts(con, load_sql(name))


# The kept orders without a filter, in queries that take only the min / max of their
# ordered_at (retention/latest_order_date.sql, satisfaction/after_answer.sql).
ALL_ORDER_TIMES = "scoped_orders(null, null, null, null, null)"


def on_order_bounds(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """``sql`` reading :data:`ALL_ORDER_TIMES` from ``order_bounds`` (two rows: the first
    and the last kept order's time; see ``sql/derived_orders/bounds.sql``) when the
    workspace has it: the same min / max, without a scan after updates in place. Any
    other ``scoped_orders`` read (or that one, without the bounds) goes through
    :func:`on_order_facts`."""
    if ALL_ORDER_TIMES not in sql:
        raise RetentionError("the query does not read the kept orders' times")
    if derived.available(con, "order_bounds"):
        sql = sql.replace(ALL_ORDER_TIMES, "order_bounds")
    return on_order_facts(con, sql) if "scoped_orders(" in sql else sql


def on_order_facts(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """:func:`customer_orders_sql` for SQL text (a query with its parts filled in)."""
    if derived.available(con, "order_facts"):
        return sql.replace("scoped_orders(", "scoped_order_facts(")
    return sql


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise InputError(f"Unknown period {period!r}; use one of {', '.join(PERIODS)}")
    return period


def period_start(day: date, period: str) -> date:
    """The first day of the ISO week / calendar month / quarter containing ``day``."""
    check_period(period)
    if isinstance(day, datetime):
        day = day.date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def next_period_start(day: date, period: str) -> date:
    """The first day of the period after the one containing ``day``."""
    start = period_start(day, period)
    if period == "week":
        return start + timedelta(days=7)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)
