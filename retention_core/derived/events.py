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
``funnel_all_split_units``. ``metrics.funnel`` reads these tables only when they answer the question exactly
(:func:`retention_core.metrics.funnel._derived_answers`) and computes live otherwise.
"""

from __future__ import annotations

from typing import Any

import duckdb

from retention_core import derived
from retention_core.schema import FUNNEL_STAGES
from retention_core.sql import load_sql


def _run(cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    cur.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql} or None)


TABLES = ("funnel_stage_days", "funnel_split_events", "funnel_split_purchases",
          "funnel_all_split_units", "funnel_session_days", "funnel_purchase_times")


# version 2: funnel_all_split_units (the split sessions' facts when no filter cuts them)
@derived.register("events", tables=TABLES, version=2)
def build(cur: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the funnel's derived tables from ``events``."""
    from retention_core.filters import NO_FILTERS
    from retention_core.metrics import funnel

    _run(cur, load_sql("derived_events/stage_days"), {"vocabulary": list(FUNNEL_STAGES)})
    params = {**NO_FILTERS.params(),
              **funnel.step_params(funnel.derived_stages(cur), funnel.DEFAULT_WINDOW_DAYS,
                                   "session"),
              "recovery_us": funnel.micros(funnel.DEFAULT_RECOVERY_DAYS)}
    _run(cur, load_sql("derived_events/session_kinds"), params)
    try:
        _run(cur, load_sql("derived_events/split_events"), params)
        _run(cur, load_sql("derived_events/split_purchases"), params)
        _run(cur, load_sql("derived_events/split_units").replace(
            "__units__", funnel.units_sql("funnel/split_events")), params)
        _run(cur, load_sql("derived_events/whole_units").replace(
            "__units__", funnel.units_sql("derived_events/multi_event_sessions")), params)
        groups = funnel.unit_groups_sql(load_sql("derived_events/whole_unit_rows"),
                                        "all_purchases")
        _run(cur, load_sql("derived_events/session_days").replace("__groups__", groups), params)
        _run(cur, load_sql("derived_events/purchase_times"), params)
    finally:
        _run(cur, load_sql("derived_events/drop_whole_units"), params)
