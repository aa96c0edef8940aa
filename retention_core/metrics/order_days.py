"""Each customer's orders with the previous and next order days, from one scan of
``order_facts`` (issue 9).

The customer retention rate, the Overview's order KPIs and the Repeat buying tab start
from ``order_days``: every order of a customer in scope with the customer's previous and
next order day, first order day and order number (``sql/retention/crr_order_days.sql``).
In SQL that is a window partitioned by customer, which hashes and sorts every order in
scope: at 10M orders ~0.6 s without a filter, ~85 ms with a country filter. ``order_facts``
is stored sorted by (customer, time, order id) and a filtered scan keeps that order, so a
customer's orders are a run of rows and the neighbours are the rows before and after:
NumPy finds them in a few passes. The rows are handed back to DuckDB (a registered Arrow
table), so every definition after ``order_days`` stays in SQL (``crr_steps.sql`` and the
queries around it). Same-day orders may come in another order than the window's, which
gives the same rows up to that order (a same-day neighbour is that day either way), and
the queries only count and sum them.

Workspaces without ``order_facts`` (mounted files, an older file opened read-only) keep
the window (:func:`part` gives its SQL); ``tests/test_order_facts.py`` checks both give the
same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from retention_core import derived
from retention_core.sql import load_sql

NAME = "order_days_scanned"  # the registered table, for the length of one query

_SCAN = """
select customer_id, cast(ordered_at as date) as order_day, revenue -- {ordered_at}
from scoped_order_facts(null, $until, $f_channels, $f_countries, $f_devices)
where customer_id is not null
"""

_READ = """order_days as (
    -- each order with the customer's previous and next order days, from a scan of
    -- order_facts in its order (retention_core.metrics.order_days)
    select * from order_days_scanned
),

"""


def rows(con: duckdb.DuckDBPyConnection, params: dict[str, Any], *,
         full: bool = False) -> pa.Table:
    """The ``order_days`` rows of these parameters (``until`` and the filters' channels,
    countries and devices), read from ``order_facts``: customer_id, order_day,
    previous_day, next_day and revenue, and with ``full`` also first_day, order_number and
    ordered_at (the Repeat buying tab's; the other queries leave them unread).

    Few and narrow arrays (at 10M orders a few hundred MB come and go, and a fresh
    process pays for every new page): the scanned columns pass through as they are, only
    the keys and days are copied out."""
    scan = {k: params[k] for k in ("until", "f_channels", "f_countries", "f_devices")}
    sql = _SCAN.replace("-- {ordered_at}", ", ordered_at" if full else "")
    table = con.sql(sql, params=scan).to_arrow_table()
    key = table.column("customer_id").to_numpy()
    day = table.column("order_day").cast(pa.int32()).to_numpy()
    if not _in_order(key, day):  # not expected: order_facts is stored in this order
        order = np.lexsort((day, key))
        table, key, day = table.take(pa.array(order)), key[order], day[order]
    n = len(key)
    new_customer = np.ones(n, dtype=bool)  # the first order of each customer's run
    np.not_equal(key[1:], key[:-1], out=new_customer[1:])
    last_order = np.ones(n, dtype=bool)
    last_order[:-1] = new_customer[1:]
    columns = {
        "customer_id": table.column("customer_id"),
        "order_day": table.column("order_day"),
        "previous_day": _days(np.roll(day, 1), missing=new_customer),
        "next_day": _days(np.roll(day, -1), missing=last_order),
        "revenue": table.column("revenue"),
    }
    if full:
        starts = np.flatnonzero(new_customer).astype(np.int32)
        runs = np.diff(np.append(starts, n))
        position = np.arange(1, n + 1, dtype=np.int32)  # made the number within the run:
        position -= np.repeat(starts, runs)
        columns.update(first_day=_days(np.repeat(day[starts], runs)),
                       order_number=pa.array(position, pa.int32()),
                       ordered_at=table.column("ordered_at"))
    return pa.table(columns)


def _days(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(days, pa.int32(), mask=missing).cast(pa.date32())


def _in_order(key: np.ndarray, day: np.ndarray) -> bool:
    """Whether the rows run by customer key, each customer's days in order (same-day
    orders in any order: their neighbours are that day either way)."""
    if len(key) < 2:
        return True
    step = np.diff(key)  # keys are positive 32-bit integers: no overflow
    return bool(np.all((step > 0) | ((step == 0) & (day[1:] >= day[:-1]))))


@contextmanager
def part(con: duckdb.DuckDBPyConnection, params: dict[str, Any], *,
         full: bool = False) -> Iterator[str]:
    """The SQL of the ``crr_order_days`` part for one query with ``params``: a read of
    :func:`rows` (``full`` as there), registered on ``con`` until the block ends, when
    the workspace has ``order_facts``; else the window pass
    (``retention/crr_order_days.sql``)."""
    if not derived.available(con, "order_facts"):
        yield load_sql("retention/crr_order_days")
        return
    con.register(NAME, rows(con, params, full=full))
    try:
        yield _READ
    finally:
        con.unregister(NAME)
