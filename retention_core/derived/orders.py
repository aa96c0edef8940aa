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
BUILD_MEMORY = "700MB"


# version 2: sorted by customer, time and order_id; scoped_order_facts returns order_id
@derived.register("orders", tables=(TABLE, KEYS), version=2)
def build(cur: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``customer_keys``, ``order_facts`` and its ``scoped_order_facts`` macro
    from ``orders``."""
    # The sort by customer is the import's largest allocation (10M orders: ~1 GB); capped,
    # DuckDB spills part of it and a 10M-order import stays under 3 GB (+0.8 s).
    with derived.memory_cap(cur, BUILD_MEMORY):
        cur.execute(load_sql("derived_orders/build"))
