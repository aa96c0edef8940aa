"""Kept orders with an integer customer key for the customer metrics (issue 9 warm path).

Every global filter narrows *orders* (a customer's cohort and first order depend on which
orders are in scope), so per-customer facts computed at import would only answer the
unfiltered view. This table keeps one row per kept order instead, with the few columns the
retention and customer-value queries read and an integer ``customer_key`` in place of the
``customer_id`` text: those queries group or sort 10M orders by customer, and integers make
that cheaper. Readers use it through
:func:`retention_core.metrics.common.customer_orders_sql`, which falls back to the
canonical ``scoped_orders`` when the table is missing.
"""

from __future__ import annotations

import duckdb

from retention_core import derived
from retention_core.sql import load_sql

TABLE = "order_facts"
KEYS = "customer_keys"
BOUNDS = "order_bounds"
BUILD_MEMORY = "700MB"
# Past this share of the customers touched by one change, a rebuild is cheaper than
# deleting and appending their rows (and keeps the table compact).
UPDATE_SHARE = 0.2
_MAX_KEY = 2**31 - 1  # customer_key is an INTEGER


def update(cur: duckdb.DuckDBPyConnection) -> bool:
    """Update ``order_facts`` and ``customer_keys`` in place after a change to ``orders``
    (the changed rows are in the temp table ``touched_rows``): only the touched customers'
    rows are replaced (``derived_orders/update.sql``). False, with nothing changed, when
    the change is too large for that to pay (then :func:`build` runs)."""
    statements = [s.query for s in duckdb.extract_statements(
        load_sql("derived_orders/touched_customers"))]
    for statement in statements[:-1]:
        cur.execute(statement)
    touched, guests, customers, last_key = cur.execute(statements[-1]).fetchall()[0]
    try:
        if touched > UPDATE_SHARE * max(customers, 1) or last_key + touched > _MAX_KEY:
            return False
        if touched or guests:
            for statement in duckdb.extract_statements(load_sql("derived_orders/update")):
                sql = statement.query
                cur.execute(sql, {"last_key": last_key} if "$last_key" in sql else None)
            cur.execute(load_sql("derived_orders/bounds"))
        return True
    finally:
        cur.execute("drop table touched_customers")


# version 2: sorted by customer, time and order_id; scoped_order_facts returns order_id
@derived.register("orders", tables=(TABLE, KEYS, BOUNDS), version=2, update=update)
def build(cur: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``customer_keys``, ``order_facts`` and its ``scoped_order_facts`` macro,
    and ``order_bounds``, from ``orders``."""
    # The sort by customer is the import's largest allocation (10M orders: ~1 GB); capped,
    # DuckDB spills part of it and a 10M-order import stays under 3 GB (+0.8 s).
    with derived.memory_cap(cur, BUILD_MEMORY):
        cur.execute(load_sql("derived_orders/build"))
    cur.execute(load_sql("derived_orders/bounds"))
