"""Funnel facts derived from the events (issue 9): a click on the Cart funnel or the
Overview adds up small per-day tables instead of computing every session's funnel from
ten million events.

A session's funnel level depends on the events the global filters keep, and the
filters cut by day (midnight), traffic source and device. A session whose funnel
events share one day, one device and one source (a *whole* session: nearly all) is
either kept whole or dropped, so its facts under any filter are those computed over
all events, as long as the filter keeps the same list of stages (a level counts the
steps present in scope). The builder computes them once, for unit = session and the
default conversion and recovery windows, and adds them up per day, device, source,
level and time-to-purchase bucket. The other, *split* sessions keep their events
aside (``funnel_split_events``, with their customers' purchases) and are computed
live, unless the filters keep all of their events: then their facts are the stored
``funnel_all_split_units``. ``metrics.funnel`` reads these tables only when they answer
the question exactly (:func:`retention_core.metrics.funnel._derived_answers`) and
computes live otherwise.

A later import (or a deleted import) does not rebuild them from every event: ``update``
computes again only the days and sessions the changed events can reach (their days, the
days of their sessions, the days whose carts a changed purchase can recover), unless the
change alters the stages present (every level changes) or touches many days.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from retention_core import derived
from retention_core.schema import FUNNEL_STAGES
from retention_core.sql import load_sql


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    cur.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql} or None)


TABLES = ("funnel_stage_days", "funnel_split_events", "funnel_split_purchases",
          "funnel_all_split_units", "funnel_session_days", "funnel_purchase_times")

# Past this share of the days with events touched by one change, the tables are rebuilt.
UPDATE_SHARE = 0.2


def _selects() -> dict[str, str]:
    """Each table's rows as one query (``derived_events/*.sql``, placeholders filled)."""
    from retention_core.metrics import funnel

    groups = funnel.unit_groups_sql(load_sql("derived_events/whole_unit_rows"),
                                    "all_purchases")
    return {
        "funnel_stage_days": load_sql("derived_events/stage_days"),
        "funnel_split_events": load_sql("derived_events/split_events"),
        "funnel_split_purchases": load_sql("derived_events/split_purchases"),
        "funnel_all_split_units": load_sql("derived_events/split_units").replace(
            "__units__", funnel.units_sql("funnel/split_events")),
        "funnel_session_days": load_sql("derived_events/session_days").replace(
            "__groups__", groups),
        "funnel_purchase_times": load_sql("derived_events/purchase_times"),
    }


def _session_params(stages: list[str]) -> dict[str, Any]:
    """The session-level queries' parameters: the stages present in all events (as
    funnel_stage_days has them), the default windows, no filters."""
    from retention_core.filters import NO_FILTERS
    from retention_core.metrics import funnel

    return {**NO_FILTERS.params(),
            **funnel.step_params(stages, funnel.DEFAULT_WINDOW_DAYS, "session"),
            "recovery_us": funnel.micros(funnel.DEFAULT_RECOVERY_DAYS)}


def _session_tables(cur: duckdb.DuckDBPyConnection, params: dict[str, Any],
                    write: Callable[[str], None]) -> None:
    """The session-level tables from the sessions of the temp view funnel_build_events:
    ``write(table)`` stores each table's rows, in an order where each reads only tables
    written before it."""
    from retention_core.metrics import funnel

    _run(cur, load_sql("derived_events/session_kinds"), params)
    try:
        for table in ("funnel_split_events", "funnel_split_purchases",
                      "funnel_all_split_units"):
            write(table)
        _run(cur, load_sql("derived_events/whole_units").replace(
            "__units__", funnel.units_sql("derived_events/multi_event_sessions")), params)
        for table in ("funnel_session_days", "funnel_purchase_times"):
            write(table)
    finally:
        _run(cur, load_sql("derived_events/drop_whole_units"), params)


# The rows of each table an update computes again (the temp tables of
# derived_events/touched.sql): deleted, then inserted from the table's query.
_REPLACED = {
    "funnel_stage_days": "day in (select day from touched_days)",
    "funnel_split_events": "session_id in (select session_id from affected_sessions)",
    "funnel_split_purchases": "customer_id in (select customer_id from affected_customers)",
    "funnel_all_split_units": "unit_id in (select session_id from affected_sessions)",
    "funnel_session_days": "day in (select day from affected_days)",
    "funnel_purchase_times": "day in (select day from affected_days)",
}


def _replace_rows(cur: duckdb.DuckDBPyConnection, table: str, query: str,
                  params: dict[str, Any]) -> None:
    # table names and conditions are the constants above, the query a file of this package
    where = _REPLACED[table]
    _run(cur, f"delete from {table} where {where}", params)  # noqa: S608
    _run(cur, f"insert into {table} select * from ({query}) where {where}", params)  # noqa: S608


def update(cur: duckdb.DuckDBPyConnection) -> bool:
    """Update the funnel tables in place after a change to ``events`` (the changed rows
    are in the temp table ``touched_rows``): only the days and sessions the change can
    reach are computed again (``derived_events/touched.sql`` says which). False when
    that does not pay or cannot be done (the stages present change, or too many days are
    touched): then :func:`build` runs."""
    from retention_core.metrics import funnel

    selects = _selects()
    stages = funnel.derived_stages(cur)
    statements = [s.query for s in duckdb.extract_statements(load_sql("derived_events/touched"))]
    params = {"vocabulary": list(FUNNEL_STAGES), "steps": stages,
              "recovery_days": int(funnel.DEFAULT_RECOVERY_DAYS) + 1}
    try:
        # the stage counts of the days with a changed event come first: the stages
        # present are read from them, and a change of those changes every level
        _run(cur, statements[0], params)
        _replace_rows(cur, "funnel_stage_days", selects["funnel_stage_days"], params)
        if funnel.derived_stages(cur) != stages:
            return False
        for statement in statements[1:-1]:
            _run(cur, statement, params)
        days, all_days = cur.execute(statements[-1]).fetchall()[0]
        if days > UPDATE_SHARE * max(all_days, 1):
            return False
        session = _session_params(stages)  # (unchanged, checked above)

        def write(table: str) -> None:
            if table == "funnel_split_purchases":  # also the customers of new split events
                cur.execute("insert into affected_customers select distinct customer_id "
                            "from funnel_split_events where customer_id is not null and "
                            "session_id in (select session_id from affected_sessions)")
            _replace_rows(cur, table, selects[table], session)

        _session_tables(cur, session, write)
        return True
    finally:
        _run(cur, load_sql("derived_events/drop_touched"), {})


# version 2: funnel_all_split_units (the split sessions' facts when no filter cuts them)
@derived.register("events", tables=TABLES, version=2, update=update)
def build(cur: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the funnel's derived tables from ``events``."""
    from retention_core.metrics import funnel

    selects = _selects()
    _run(cur, f"create or replace table funnel_stage_days as\n{selects['funnel_stage_days']}",
         {"vocabulary": list(FUNNEL_STAGES)})
    cur.execute("create or replace temp view funnel_build_events as select * from events")
    params = _session_params(funnel.derived_stages(cur))

    def write(table: str) -> None:
        _run(cur, f"create or replace table {table} as\n{selects[table]}", params)

    _session_tables(cur, params, write)
