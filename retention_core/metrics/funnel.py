"""The cart funnel: steps reached, drop-off, cart abandonment, time to purchase and the
value of abandoned carts (SPEC.md, "Funnel"; docs/metrics-funnel.md has the long form).

Definitions, as implemented:

- Funnel events are the scoped events whose ``stage`` is one of ``FUNNEL_STAGES``
  (view, add_to_cart, checkout, purchase); a NULL stage (a raw event outside the
  vocabulary) is ignored. The funnel's *steps* are the stages that occur in scope, in
  that order: a log without checkout events goes view -> add_to_cart -> purchase.
- A *unit* is a session (default) or a customer; events without that id are left out.
- A unit *reaches* step j when, for one of its step-1 events at t1 (any of them, not
  only the first), it has events of steps 2..j at t1 <= t2 <= ... <= tj <= t1 + window
  (default 7 days; equal times count as in order). This is the "window funnel" of
  event analytics (ClickHouse ``windowFunnel``), with the window measured from step 1.
- The *cart step* is add_to_cart, or checkout when the data has no add_to_cart event
  (a Shopify abandoned-checkouts export): cart abandonment rate = 1 - units reaching
  purchase / units reaching the cart step. ``None`` when no unit reaches the cart step,
  or when no purchase event is in scope (nothing to say whether carts were bought).
- Weeks are ISO weeks (Monday) of a unit's first funnel event; its device and source
  are those of that event.
- Time to purchase: from the earliest step-1 event that leads to a purchase within the
  window, to the earliest purchase completing the funnel from it.
- Abandoned cart: a unit reaching the cart step but not purchase. Its value is the
  ``value`` of its last checkout event, else the sum of its add_to_cart values. It is
  *recovered* when the same customer has a purchase event (any, regardless of the
  filters) after the unit's last cart event and within ``recovery_days``.

Every public function runs the per-unit query (``sql/funnel/units.sql``) once, under
the small query it needs; :func:`compute_funnel_report` (the page) materialises the
per-unit table once and runs all of them on it. When the workspace has the derived
funnel tables (:mod:`retention_core.derived.events`) and they answer the question
exactly (sessions, default windows, the filters keep every stage of the data), the
page's report and the Overview's cart groups add up those small tables instead, with
the few *split* sessions computed live: same numbers (tests/test_funnel_derived.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import polars as pl

from retention_core import derived
from retention_core.derived.events import TABLES as DERIVED_TABLES
from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics.common import check_period
from retention_core.schema import FUNNEL_STAGES
from retention_core.sql import load_sql, query_frame, query_one

UNITS = ("session", "customer")
"""What the funnel counts: sessions (default) or customers."""

DIMENSIONS = ("device", "source")
"""Breakdowns of the funnel."""

DEFAULT_WINDOW_DAYS = 7
DEFAULT_RECOVERY_DAYS = 7
MAX_DAYS = 366

STAGE_LABELS = {"view": "View", "add_to_cart": "Add to cart", "checkout": "Checkout",
                "purchase": "Purchase"}

# Lower bounds of the time-to-purchase buckets, in seconds, with their labels.
_MINUTE, _HOUR, _DAY = 60, 3600, 86400
TIME_BUCKETS: tuple[tuple[float, str], ...] = (
    (0, "< 5 min"), (5 * _MINUTE, "5-15 min"), (15 * _MINUTE, "15-60 min"),
    (_HOUR, "1-3 h"), (3 * _HOUR, "3-12 h"), (12 * _HOUR, "12-24 h"),
    (_DAY, "1-2 days"), (2 * _DAY, "2-3 days"), (3 * _DAY, "3-7 days"),
    (7 * _DAY, "7-14 days"), (14 * _DAY, "14-30 days"), (30 * _DAY, "30+ days"),
)

_STEPS_SCHEMA = {
    "step": pl.Int64, "stage": pl.String, "units": pl.Int64,
    "conversion_from_first": pl.Float64, "conversion_from_previous": pl.Float64,
    "drop_off": pl.Int64, "drop_off_rate": pl.Float64,
}
_WEEKLY_SCHEMA = {"week": pl.Date, "carts": pl.Int64, "purchases": pl.Int64,
                  "cart_abandonment_rate": pl.Float64}


# -- arguments ---------------------------------------------------------------------------


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is ``"session"`` or ``"customer"``, else raise InputError."""
    if unit not in UNITS:
        raise InputError(f"Unknown funnel unit {unit!r}; use one of {', '.join(UNITS)}")
    return unit


def check_days(days: float, what: str, *, allow_zero: bool = False) -> float:
    """Return ``days`` if it is a number of days in range, else raise InputError."""
    ok = (isinstance(days, (int, float)) and not isinstance(days, bool)
          and math.isfinite(days) and (days >= 0 if allow_zero else days > 0)
          and days <= MAX_DAYS)
    if not ok:
        low = "0" if allow_zero else "more than 0"
        raise InputError(f"The {what} must be a number of days from {low} to {MAX_DAYS}, "
                         f"not {days!r}")
    return float(days)


def _check_dimension(dimension: str) -> str:
    if dimension not in DIMENSIONS:
        raise InputError(f"Unknown funnel breakdown {dimension!r}; use one of "
                         f"{', '.join(DIMENSIONS)}")
    return dimension


def micros(days: float) -> int:
    """Days as whole microseconds (how the SQL takes windows)."""
    return round(days * _DAY * 1_000_000)


# -- stages and the per-unit query -------------------------------------------------------


def list_funnel_stages(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """The funnel stages present in the scoped events, in funnel order.

    Returns
    -------
    pl.DataFrame
        ``step`` (1-based), ``stage``, ``events``, ``first_event_at``, ``last_event_at``;
        no rows when the scope has no funnel event.
    """
    name = "funnel/fast_stages" if derived.available(con, "funnel_stage_days") else "funnel/stages"
    frame = query_frame(con, load_sql(name),
                        {**filters.params(), "vocabulary": list(FUNNEL_STAGES)})
    return frame.sort("stage_order").with_columns(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("step")
    ).select("step", "stage", "events", "first_event_at", "last_event_at")


def cart_stage(stages: list[str]) -> str | None:
    """The stage that stands for "cart": add_to_cart, else checkout, else None."""
    for stage in ("add_to_cart", "checkout"):
        if stage in stages:
            return stage
    return None


def describe_stages(stages: list[str]) -> str:
    """The funnel's steps in words, naming the stages left out: "View → Add to cart →
    Purchase (no checkout events)"."""
    if not stages:
        return "no funnel events"
    text = " → ".join(STAGE_LABELS[s] for s in stages)
    missing = [s.replace("_", "-") for s in FUNNEL_STAGES if s not in stages]
    return text + (f" (no {', '.join(missing)} events)" if missing else "")


@dataclass(frozen=True)
class _Scope:
    """What one funnel computation works on: present stages, query parameters, as-of,
    and whether the derived tables answer it (:func:`_derived_answers`)."""

    stages: list[str]
    params: dict[str, Any]
    window_days: float
    as_of: datetime | None
    derived: bool = False

    @property
    def cart_step(self) -> int | None:
        return self.params["cart_step"]

    @property
    def has_purchase(self) -> bool:
        return self.params["purchase_step"] is not None

    @property
    def measures_abandonment(self) -> bool:
        return self.cart_step is not None and self.has_purchase


def step_params(stages: list[str], window_days: float, unit: str) -> dict[str, Any]:
    """The parameters of ``funnel/units.sql`` for these present stages (filters aside)."""
    cart = cart_stage(stages)
    return {
        "unit": unit,
        "steps": stages or [FUNNEL_STAGES[0]],
        "window_us": micros(window_days),
        "cart_step": stages.index(cart) + 1 if cart else None,
        "purchase_step": stages.index("purchase") + 1 if "purchase" in stages else None,
        "edges": [float(lower) for lower, _ in TIME_BUCKETS],
    }


def _scope(con: duckdb.DuckDBPyConnection, filters: Filters, window_days: float,
           unit: str) -> _Scope:
    check_unit(unit)
    window = check_days(window_days, "conversion window")
    present = list_funnel_stages(con, filters)
    stages = present.get_column("stage").to_list()
    params = {**filters.params(), **step_params(stages, window, unit)}
    return _Scope(stages, params, window, present.get_column("last_event_at").max(),
                  _derived_answers(con, stages, window, unit))


# -- the derived tables (retention_core/derived/events.py) -------------------------------

def derived_stages(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The funnel stages of all events, in funnel order, from ``funnel_stage_days``:
    the stages the derived per-session facts were computed with."""
    rows = con.execute("select distinct stage from funnel_stage_days").fetchall()
    present = {r[0] for r in rows}
    return [s for s in FUNNEL_STAGES if s in present]


def _derived_answers(con: duckdb.DuckDBPyConnection, stages: list[str], window: float,
                     unit: str) -> bool:
    """Whether the derived tables give this computation's per-unit facts: sessions, the
    default window, and the filters keep every stage of the data (a unit's level
    depends on the list of steps)."""
    return (unit == "session" and window == DEFAULT_WINDOW_DAYS and bool(stages)
            and derived.available(con, *DERIVED_TABLES)
            and derived_stages(con) == stages)


def units_sql(events: str) -> str:
    """``funnel/units.sql`` reading the events of query ``events`` (a name for
    :func:`load_sql`: ``funnel/scoped_events``, ``funnel/split_events``, ...)."""
    return load_sql("funnel/units").replace("__events__", load_sql(events))


def unit_groups_sql(units: str, purchases: str) -> str:
    """``funnel/unit_groups.sql`` over the per-unit rows ``units`` (SQL text) with the
    recoveries looked up in ``funnel/<purchases>.sql``."""
    return (load_sql("funnel/unit_groups").replace("__units__", units)
            .replace("__purchases__", load_sql(f"funnel/{purchases}")))


def _on_units(name: str) -> str:
    """The query ``funnel/<name>`` reading the per-unit levels as ``funnel_units``."""
    return (load_sql("funnel/with_units")
            .replace("__units__", units_sql("funnel/scoped_events"))
            .replace("__query__", load_sql(f"funnel/{name}")))


def _query(con: duckdb.DuckDBPyConnection, scope: _Scope, name: str,
           materialised: bool = False, **extra: Any) -> pl.DataFrame:
    """Run ``funnel/<name>`` on the per-unit levels: computed inside the query, or read
    from the temp table :func:`_materialised_units` made."""
    sql = load_sql(f"funnel/{name}") if materialised else _on_units(name)
    return query_frame(con, sql, {**scope.params, **extra})


@contextmanager
def _materialised_units(con: duckdb.DuckDBPyConnection, scope: _Scope) -> Iterator[None]:
    """The per-unit levels as the temp table ``funnel_units`` of this cursor, dropped after."""
    with _temp_table(con, "materialise_units", "drop_units", units_sql("funnel/scoped_events"),
                     scope.params):
        yield


@contextmanager
def _temp_table(con: duckdb.DuckDBPyConnection, create: str, drop: str, units: str,
                params: dict[str, Any]) -> Iterator[None]:
    """Run ``funnel/<create>`` (its placeholder filled with ``units``), then ``funnel/<drop>``."""
    sql = load_sql(f"funnel/{create}").replace("__units__", units)
    con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    try:
        yield
    finally:
        con.execute(load_sql(f"funnel/{drop}"))


def compute_unit_levels(con: duckdb.DuckDBPyConnection, filters: Filters,
                        window_days: float = DEFAULT_WINDOW_DAYS,
                        unit: str = "session") -> pl.DataFrame:
    """One row per unit with the deepest funnel step it reaches.

    Parameters
    ----------
    con, filters
        Workspace cursor and global filters (applied through ``scoped_events``).
    window_days
        Conversion window from the step-1 event, in days (default 7).
    unit
        ``"session"`` or ``"customer"``.

    Returns
    -------
    pl.DataFrame
        ``unit_id``, ``customer_id``, ``first_event_at``, ``week`` (Monday of the first
        event), ``device``, ``source``, ``level`` (0 = never reaches step 1),
        ``reached_cart``, ``purchased``, ``seconds_to_purchase``, ``last_cart_at``,
        ``cart_value``; sorted by ``unit_id``.
    """
    scope = _scope(con, filters, window_days, unit)
    frame = query_frame(con, units_sql("funnel/scoped_events"), scope.params)
    if not scope.stages:
        frame = frame.clear()
    return frame.sort("unit_id")


# -- from aggregated rows to results -----------------------------------------------------

_LEVELS_SCHEMA = {"group_value": pl.String, "level": pl.Int64, "units": pl.Int64}


def _reaching(levels: pl.DataFrame, step: int | None) -> int:
    """Units whose level is at least ``step`` (0 when there is no such step)."""
    if step is None:
        return 0
    return int(levels.filter(pl.col("level") >= step).get_column("units").sum())


def _steps(levels: pl.DataFrame, stages: list[str]) -> pl.DataFrame:
    """Units reaching each step and the conversions between steps."""
    reached = [_reaching(levels, step) for step in range(1, len(stages) + 1)]
    rows = []
    for i, stage in enumerate(stages):
        previous = reached[i - 1] if i else None
        rows.append({
            "step": i + 1,
            "stage": stage,
            "units": reached[i],
            "conversion_from_first": reached[i] / reached[0] if reached[0] else None,
            "conversion_from_previous": reached[i] / previous if previous else None,
            "drop_off": previous - reached[i] if previous is not None else None,
            "drop_off_rate": 1 - reached[i] / previous if previous else None,
        })
    return pl.DataFrame(rows, schema=_STEPS_SCHEMA)


def _abandonment(carts: int, purchases: int, scope: _Scope) -> float | None:
    if not carts or not scope.measures_abandonment:
        return None
    return 1 - purchases / carts


def _steps_by(levels: pl.DataFrame, scope: _Scope) -> pl.DataFrame:
    parts = [_steps(part, scope.stages).select(pl.lit(group, dtype=pl.String).alias("group"),
                                               pl.all())
             for (group,), part in levels.group_by("group_value")]
    if not parts:
        return pl.DataFrame(schema={"group": pl.String, **_STEPS_SCHEMA})
    out = pl.concat(parts)
    size = out.filter(pl.col("step") == 1).select("group", pl.col("units").alias("_size"))
    return (out.join(size, on="group")
            .sort(["_size", "group", "step"], descending=[True, False, False]).drop("_size"))


def _abandonment_by(levels: pl.DataFrame, scope: _Scope) -> pl.DataFrame:
    rows = []
    for (group,), part in levels.group_by("group_value"):
        carts = _reaching(part, scope.cart_step)
        purchases = _reaching(part, scope.params["purchase_step"])
        rows.append({"group": group, "units": int(part.get_column("units").sum()),
                     "carts": carts, "purchases": purchases,
                     "cart_abandonment_rate": _abandonment(carts, purchases, scope)})
    schema = {"group": pl.String, "units": pl.Int64, "carts": pl.Int64, "purchases": pl.Int64,
              "cart_abandonment_rate": pl.Float64}
    return pl.DataFrame(rows, schema=schema).sort(["units", "group"], descending=[True, False])


def _trend(weekly: pl.DataFrame, scope: _Scope) -> pl.DataFrame:
    weekly = weekly.sort("week")
    rates = [_abandonment(c, p, scope) for c, p in
             zip(weekly["carts"].to_list(), weekly["purchases"].to_list(), strict=True)]
    # units of week w can convert until w + 7 days + the window: complete only when
    # that is no later than as-of (this also marks the week containing as-of)
    last_complete = scope.as_of - timedelta(days=7 + scope.window_days)
    partial = [datetime.combine(week, datetime.min.time()) > last_complete
               for week in weekly["week"].to_list()]
    return weekly.select(
        pl.col("week").cast(pl.Date),
        pl.col("units").cast(pl.Int64),
        pl.col("carts").cast(pl.Int64),
        pl.col("purchases").cast(pl.Int64),
        pl.Series("cart_abandonment_rate", rates, dtype=pl.Float64),
        pl.Series("is_partial", partial, dtype=pl.Boolean),
    )


_BUCKETS_SCHEMA = {"bucket": pl.String, "lower_seconds": pl.Float64,
                   "upper_seconds": pl.Float64, "units": pl.Int64, "share": pl.Float64}


def _buckets(counts: pl.DataFrame, scope: _Scope) -> pl.DataFrame:
    by_bucket = dict(zip(counts["bucket"].to_list(), counts["units"].to_list(), strict=True))
    total = sum(by_bucket.values())
    if not total:
        return pl.DataFrame(schema=_BUCKETS_SCHEMA)
    edges = [float(lower) for lower, _ in TIME_BUCKETS]
    window = scope.window_days * _DAY
    # the last bucket is the one holding the window's end, which it includes
    last = max(i for i, lower in enumerate(edges) if lower < window)
    rows = []
    for i, (lower, label) in enumerate(TIME_BUCKETS[: last + 1]):
        units = by_bucket.get(i + 1, 0)
        if i == last:
            units += sum(v for k, v in by_bucket.items() if k > last + 1)
        upper = edges[i + 1] if i < last else window
        rows.append({"bucket": label, "lower_seconds": lower, "upper_seconds": upper,
                     "units": units, "share": units / total})
    return pl.DataFrame(rows, schema=_BUCKETS_SCHEMA)


_SUMMARY_KEYS = ("mean", "p25", "median", "p75", "p90")


def _timing(row: dict[str, Any] | None) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {"units": 0, **{f"{k}_hours": None for k in _SUMMARY_KEYS}}
    if row is None:
        return out
    out["units"] = int(row["units"])
    for key in _SUMMARY_KEYS:
        seconds = row[f"{key}_seconds"]
        out[f"{key}_hours"] = None if seconds is None else seconds / _HOUR
    return out


def _abandoned(row: dict[str, Any] | None, scope: _Scope, recovery: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "cart_stage": cart_stage(scope.stages), "recovery_days": recovery,
        **dict.fromkeys(("abandoned_carts", "carts_with_value", "carts_without_value",
                         "abandoned_value", "recovered_carts", "recovered_value",
                         "recovered_cart_share", "recovered_value_share")),
    }
    if row is None:
        return out
    out.update({k: int(row[k]) for k in ("abandoned_carts", "carts_with_value",
                                         "recovered_carts")})
    out["carts_without_value"] = out["abandoned_carts"] - out["carts_with_value"]
    if out["carts_with_value"]:  # without any value, 0 would claim a value was measured
        out["abandoned_value"] = float(row["abandoned_value"])
        out["recovered_value"] = float(row["recovered_value"])
    out["recovered_cart_share"] = (out["recovered_carts"] / out["abandoned_carts"]
                                   if out["abandoned_carts"] else None)
    out["recovered_value_share"] = (out["recovered_value"] / out["abandoned_value"]
                                    if out["abandoned_value"] else None)
    return out


def _levels(con: duckdb.DuckDBPyConnection, scope: _Scope, group_by: str,
            materialised: bool = False) -> pl.DataFrame:
    if not scope.stages:
        return pl.DataFrame(schema=_LEVELS_SCHEMA)
    levels = _query(con, scope, "levels", materialised, group_by=group_by)
    return levels.with_columns(pl.col("level").cast(pl.Int64), pl.col("units").cast(pl.Int64))


def _weekly_rows(con: duckdb.DuckDBPyConnection, scope: _Scope,
                 materialised: bool = False) -> pl.DataFrame:
    if not scope.stages:
        return pl.DataFrame(schema={"week": pl.Date, "units": pl.Int64, "carts": pl.Int64,
                                    "purchases": pl.Int64})
    return _query(con, scope, "weekly", materialised)


def _bucket_rows(con: duckdb.DuckDBPyConnection, scope: _Scope,
                 materialised: bool = False) -> pl.DataFrame:
    if not scope.has_purchase:
        return pl.DataFrame(schema={"bucket": pl.Int64, "units": pl.Int64})
    return _query(con, scope, "time_to_purchase", materialised)


def _timing_row(con: duckdb.DuckDBPyConnection, scope: _Scope,
                materialised: bool = False) -> dict[str, Any] | None:
    if not scope.has_purchase:
        return None
    return _query(con, scope, "time_to_purchase_summary", materialised).row(0, named=True)


def _abandoned_row(con: duckdb.DuckDBPyConnection, scope: _Scope, recovery: float,
                   materialised: bool = False) -> dict[str, Any] | None:
    if not scope.measures_abandonment:
        return None
    return _query(con, scope, "abandoned_carts", materialised,
                  recovery_us=micros(recovery)).row(0, named=True)


# -- from the derived tables -------------------------------------------------------------


@contextmanager
def _split_units(con: duckdb.DuckDBPyConnection, scope: _Scope) -> Iterator[None]:
    """The per-unit rows of the split sessions in scope as the temp table
    ``funnel_split_units`` of this cursor: computed live from their few events, or copied
    from ``funnel_all_split_units`` when the filters keep every one of those events (10M
    events: ~30 ms -> ~1 ms)."""
    keeps = load_sql("funnel/keeps_split_events").replace("__split_events__",
                                                          load_sql("funnel/split_events"))
    keeps_all = query_one(con, keeps, scope.params)[0]
    units = ("select * from funnel_all_split_units" if keeps_all
             else units_sql("funnel/split_events"))
    with _temp_table(con, "split_units", "drop_split_units", units, scope.params):
        yield


def _derived_groups_sql() -> str:
    """``funnel/unit_groups.sql`` rows of the units in scope: whole sessions from
    ``funnel_session_days``, split ones from :func:`_split_units` (run inside it)."""
    split = unit_groups_sql(load_sql("funnel/split_unit_rows"), "split_purchases")
    return load_sql("funnel/fast_groups").replace("__groups__", split)


def _derived_groups(con: duckdb.DuckDBPyConnection, scope: _Scope,
                    recovery: float) -> pl.DataFrame:
    """The rows of :func:`_derived_groups_sql` (call inside :func:`_split_units`)."""
    return query_frame(con, _derived_groups_sql(),
                       {**scope.params, "recovery_us": micros(recovery)})


def _group_levels(groups: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """What ``funnel/levels.sql`` gives, added up from unit groups."""
    key = (pl.lit("all") if dimension == "all"
           else pl.col(dimension).fill_null("(unknown)")).alias("group_value")
    return (groups.group_by(key, pl.col("level").cast(pl.Int64))
            .agg(pl.col("units").sum().cast(pl.Int64)).select(list(_LEVELS_SCHEMA)))


def _units_reaching(step: int | None) -> pl.Expr:
    if step is None:
        return pl.lit(0, dtype=pl.Int64)
    return pl.col("units").filter(pl.col("level") >= step).sum().cast(pl.Int64)


def _group_weekly(groups: pl.DataFrame, scope: _Scope) -> pl.DataFrame:
    """What ``funnel/weekly.sql`` gives, added up from unit groups."""
    return groups.group_by(pl.col("day").dt.truncate("1w").alias("week")).agg(
        pl.col("units").sum().cast(pl.Int64).alias("units"),
        _units_reaching(scope.cart_step).alias("carts"),
        _units_reaching(scope.params["purchase_step"]).alias("purchases"))


def _group_buckets(groups: pl.DataFrame) -> pl.DataFrame:
    """What ``funnel/time_to_purchase.sql`` gives, added up from unit groups."""
    return (groups.filter(pl.col("bucket").is_not_null())
            .group_by(pl.col("bucket").cast(pl.Int64))
            .agg(pl.col("units").sum().cast(pl.Int64)))


def _group_abandoned(groups: pl.DataFrame) -> dict[str, Any]:
    """What ``funnel/abandoned_carts.sql`` gives, added up from unit groups."""
    keys = ("abandoned_carts", "carts_with_value", "abandoned_value", "recovered_carts",
            "recovered_value")
    return groups.select(pl.col(k).sum() for k in keys).row(0, named=True)


def _derived_report(con: duckdb.DuckDBPyConnection, scope: _Scope,
                    recovery: float) -> dict[str, Any]:
    """:func:`compute_funnel_report` from the derived tables: two small queries."""
    with _split_units(con, scope):
        groups = _derived_groups(con, scope, recovery)
        timing = (query_frame(con, load_sql("funnel/fast_timing"), scope.params).row(0, named=True)
                  if scope.has_purchase else None)
    levels = {d: _group_levels(groups, d) for d in ("all", *DIMENSIONS)}
    buckets = (_group_buckets(groups) if scope.has_purchase
               else pl.DataFrame(schema={"bucket": pl.Int64, "units": pl.Int64}))
    abandoned = _group_abandoned(groups) if scope.measures_abandonment else None
    return _report(scope, levels, _group_weekly(groups, scope), buckets, timing, abandoned,
                   recovery)


_CART_GROUPS_SCHEMA = {"period_start": pl.Date, "device": pl.String, "source": pl.String,
                       "cart": pl.Float64, "abandoned": pl.Float64}


def compute_cart_groups(con: duckdb.DuckDBPyConnection, filters: Filters,
                        period: str = "week") -> pl.DataFrame:
    """Sessions reaching the cart step (default window) and those of them abandoned, per
    period of their first funnel event, device and source: the records behind the
    Overview's cart abandonment tile (``abandoned / cart`` is the rate).

    Returns
    -------
    pl.DataFrame
        ``period_start``, ``device``, ``source``, ``cart``, ``abandoned`` (counts, as
        floats); only groups with a cart; no rows when abandonment is not measured (no
        cart or no purchase stage in scope).
    """
    check_period(period)
    scope = _scope(con, filters, DEFAULT_WINDOW_DAYS, "session")
    if not scope.measures_abandonment:
        return pl.DataFrame(schema=_CART_GROUPS_SCHEMA)
    cart_groups = load_sql("funnel/cart_groups")
    params = {**scope.params, "period": period}
    if scope.derived:
        with _split_units(con, scope):
            params["recovery_us"] = micros(DEFAULT_RECOVERY_DAYS)
            groups = query_frame(con, cart_groups.replace("__groups__", _derived_groups_sql()),
                                 params)
    else:  # no recoveries needed: abandonment only
        sql = unit_groups_sql(units_sql("funnel/scoped_events"), "no_purchases")
        groups = query_frame(con, cart_groups.replace("__groups__", sql),
                             {**params, "recovery_us": 0})
    return groups.cast(_CART_GROUPS_SCHEMA)


# -- public results ----------------------------------------------------------------------


def compute_funnel(con: duckdb.DuckDBPyConnection, filters: Filters,
                   window_days: float = DEFAULT_WINDOW_DAYS,
                   unit: str = "session") -> pl.DataFrame:
    """The funnel: units reaching each present stage, with conversion and drop-off.

    A unit reaches step j when it has events of steps 1..j in time order within
    ``window_days`` of one of its step-1 events (SPEC.md, "Funnel"); stages absent
    from the scoped events are left out.

    Returns
    -------
    pl.DataFrame
        ``step``, ``stage``, ``units``, ``conversion_from_first`` (units / units at
        step 1), ``conversion_from_previous``, ``drop_off`` (units lost since the
        previous step) and ``drop_off_rate``; fractions in [0, 1]; no rows without
        funnel events.
    """
    scope = _scope(con, filters, window_days, unit)
    return _steps(_levels(con, scope, "all"), scope.stages)


def compute_funnel_by(con: duckdb.DuckDBPyConnection, filters: Filters, dimension: str,
                      window_days: float = DEFAULT_WINDOW_DAYS,
                      unit: str = "session") -> pl.DataFrame:
    """The funnel per device or per source (of each unit's first funnel event).

    Returns
    -------
    pl.DataFrame
        ``group`` then the columns of :func:`compute_funnel`, groups by size (units
        at step 1, largest first); blank values are ``"(unknown)"``.
    """
    _check_dimension(dimension)
    scope = _scope(con, filters, window_days, unit)
    return _steps_by(_levels(con, scope, dimension), scope)


def compute_cart_abandonment(con: duckdb.DuckDBPyConnection, filters: Filters,
                             window_days: float = DEFAULT_WINDOW_DAYS,
                             unit: str = "session") -> float | None:
    """Cart abandonment rate = 1 - units reaching purchase / units reaching the cart.

    The source's example: 100 carts and 50 purchases give 0.5. The cart step is
    add_to_cart, or checkout when the data has no add_to_cart events.

    Returns
    -------
    float or None
        A fraction in [0, 1]; None when no unit reaches the cart step or the scope
        has no purchase event.
    """
    scope = _scope(con, filters, window_days, unit)
    levels = _levels(con, scope, "all")
    return _abandonment(_reaching(levels, scope.cart_step),
                        _reaching(levels, scope.params["purchase_step"]), scope)


def compute_cart_abandonment_by(con: duckdb.DuckDBPyConnection, filters: Filters,
                                dimension: str, window_days: float = DEFAULT_WINDOW_DAYS,
                                unit: str = "session") -> pl.DataFrame:
    """Cart abandonment per device or per source.

    Returns
    -------
    pl.DataFrame
        ``group``, ``units``, ``carts``, ``purchases``, ``cart_abandonment_rate``
        (null where the group has no cart or the scope no purchase), largest group first.
    """
    _check_dimension(dimension)
    scope = _scope(con, filters, window_days, unit)
    return _abandonment_by(_levels(con, scope, dimension), scope)


def compute_abandonment_trend(con: duckdb.DuckDBPyConnection, filters: Filters,
                              window_days: float = DEFAULT_WINDOW_DAYS,
                              unit: str = "session") -> pl.DataFrame:
    """Weekly cart abandonment with ``units`` and an ``is_partial`` flag.

    A week is partial when it contains the last funnel event in scope ("as of"), or
    when units that started in it could still convert after it (the week's end plus
    the conversion window is later than as-of): its rate may still fall.

    Returns
    -------
    pl.DataFrame
        ``week`` (Monday, oldest first), ``units``, ``carts``, ``purchases``,
        ``cart_abandonment_rate``, ``is_partial``.
    """
    scope = _scope(con, filters, window_days, unit)
    if not scope.stages:
        return pl.DataFrame(schema={"week": pl.Date, "units": pl.Int64, "carts": pl.Int64,
                                    "purchases": pl.Int64, "cart_abandonment_rate": pl.Float64,
                                    "is_partial": pl.Boolean})
    return _trend(_weekly_rows(con, scope), scope)


def compute_weekly_cart_abandonment(con: duckdb.DuckDBPyConnection, filters: Filters,
                                    window_days: float = DEFAULT_WINDOW_DAYS,
                                    unit: str = "session") -> pl.DataFrame:
    """Cart abandonment per ISO week of each unit's first funnel event.

    Returns
    -------
    pl.DataFrame
        ``week`` (Monday, oldest first), ``carts`` (units reaching the cart step),
        ``purchases`` (units reaching purchase), ``cart_abandonment_rate``
        (1 - purchases / carts; null without carts or without purchase events in scope).
    """
    trend = compute_abandonment_trend(con, filters, window_days, unit)
    return trend.select(list(_WEEKLY_SCHEMA))


def compute_time_to_purchase(con: duckdb.DuckDBPyConnection, filters: Filters,
                             window_days: float = DEFAULT_WINDOW_DAYS,
                             unit: str = "session") -> pl.DataFrame:
    """Distribution of the time from step 1 to purchase of units that purchase.

    Returns
    -------
    pl.DataFrame
        ``bucket`` (label), ``lower_seconds`` (included), ``upper_seconds`` (excluded,
        except for the last bucket, which ends at the conversion window), ``units``,
        ``share`` of converted units; empty buckets included; no rows without purchases.
    """
    scope = _scope(con, filters, window_days, unit)
    return _buckets(_bucket_rows(con, scope), scope)


def summarise_time_to_purchase(con: duckdb.DuckDBPyConnection, filters: Filters,
                               window_days: float = DEFAULT_WINDOW_DAYS,
                               unit: str = "session") -> dict[str, float | int | None]:
    """Count, mean and quantiles (25/50/75/90%, linear interpolation) of the time to
    purchase in hours: ``units``, ``mean_hours``, ``p25_hours``, ``median_hours``,
    ``p75_hours``, ``p90_hours``; None without purchases."""
    scope = _scope(con, filters, window_days, unit)
    return _timing(_timing_row(con, scope))


def compute_abandoned_carts(con: duckdb.DuckDBPyConnection, filters: Filters,
                            window_days: float = DEFAULT_WINDOW_DAYS, unit: str = "session",
                            recovery_days: float = DEFAULT_RECOVERY_DAYS) -> dict[str, Any]:
    """Value of abandoned carts and the share recovered by a later purchase.

    An abandoned cart is a unit reaching the cart step but not purchase. Its value is
    its last checkout ``value``, else the sum of its add_to_cart values. It is
    recovered when the same customer has a purchase event (in any event, filters
    aside) after the unit's last cart event, within ``recovery_days`` days.

    Returns
    -------
    dict
        ``cart_stage``, ``abandoned_carts``, ``carts_with_value``,
        ``carts_without_value``, ``abandoned_value``, ``recovered_carts``,
        ``recovered_value``, ``recovered_cart_share``, ``recovered_value_share``
        (fractions; None when there is nothing to divide), ``recovery_days``. Counts
        are None when the scope has no cart or no purchase stage (abandonment is then
        not measured); values are None when no abandoned cart has a value.
    """
    recovery = check_days(recovery_days, "recovery window", allow_zero=True)
    scope = _scope(con, filters, window_days, unit)
    return _abandoned(_abandoned_row(con, scope, recovery), scope, recovery)


def compute_funnel_report(con: duckdb.DuckDBPyConnection, filters: Filters,
                          window_days: float = DEFAULT_WINDOW_DAYS, unit: str = "session",
                          recovery_days: float = DEFAULT_RECOVERY_DAYS) -> dict[str, Any]:
    """Everything the cart funnel page shows, from one pass over the events.

    The per-unit levels are computed once into a temp table of this cursor, and the
    results of the functions above are read from it (same definitions, same numbers);
    with the default windows, sessions and the derived tables present, from those.

    Returns
    -------
    dict
        ``stages`` (list), ``cart_stage``, ``funnel`` (:func:`compute_funnel`),
        ``cart_abandonment_rate``, ``trend`` (:func:`compute_abandonment_trend`),
        ``funnel_by_device`` / ``funnel_by_source`` (:func:`compute_funnel_by`),
        ``abandonment_by_device`` / ``abandonment_by_source``
        (:func:`compute_cart_abandonment_by`), ``time_to_purchase``,
        ``time_to_purchase_summary``, ``abandoned_carts``.
    """
    recovery = check_days(recovery_days, "recovery window", allow_zero=True)
    scope = _scope(con, filters, window_days, unit)
    if not scope.stages:
        empty = pl.DataFrame(schema=_LEVELS_SCHEMA)
        weekly = _weekly_rows(con, scope)
        return _report(scope, {d: empty for d in ("all", *DIMENSIONS)}, weekly,
                       _bucket_rows(con, scope), None, None, recovery)
    if scope.derived and recovery == DEFAULT_RECOVERY_DAYS:
        return _derived_report(con, scope, recovery)
    with _materialised_units(con, scope):
        levels = {d: _levels(con, scope, d, True) for d in ("all", *DIMENSIONS)}
        weekly = _weekly_rows(con, scope, True)
        buckets = _bucket_rows(con, scope, True)
        timing = _timing_row(con, scope, True)
        abandoned = _abandoned_row(con, scope, recovery, True)
    return _report(scope, levels, weekly, buckets, timing, abandoned, recovery)


def _report(scope: _Scope, levels: dict[str, pl.DataFrame], weekly: pl.DataFrame,
            buckets: pl.DataFrame, timing: dict[str, Any] | None,
            abandoned: dict[str, Any] | None, recovery: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stages": scope.stages,
        "cart_stage": cart_stage(scope.stages),
        "funnel": _steps(levels["all"], scope.stages),
        "cart_abandonment_rate": _abandonment(
            _reaching(levels["all"], scope.cart_step),
            _reaching(levels["all"], scope.params["purchase_step"]), scope),
        "trend": _trend(weekly, scope) if scope.stages else pl.DataFrame(
            schema={"week": pl.Date, "units": pl.Int64, "carts": pl.Int64,
                    "purchases": pl.Int64, "cart_abandonment_rate": pl.Float64,
                    "is_partial": pl.Boolean}),
        "time_to_purchase": _buckets(buckets, scope),
        "time_to_purchase_summary": _timing(timing),
        "abandoned_carts": _abandoned(abandoned, scope, recovery),
    }
    for dimension in DIMENSIONS:
        out[f"funnel_by_{dimension}"] = _steps_by(levels[dimension], scope)
        out[f"abandonment_by_{dimension}"] = _abandonment_by(levels[dimension], scope)
    return out


_ABANDONED_LABELS = {
    "abandoned_carts": "Abandoned carts",
    "carts_without_value": "Abandoned carts without a value",
    "abandoned_value": "Abandoned value",
    "recovered_carts": "Recovered carts",
    "recovered_value": "Recovered value",
    "recovered_cart_share": "Share of carts recovered",
    "recovered_value_share": "Share of value recovered",
    "recovery_days": "Recovery window (days)",
}


def abandoned_carts_frame(summary: dict[str, Any]) -> pl.DataFrame:
    """The result of :func:`compute_abandoned_carts` as a two-column table
    (``measure``, ``value``) for display and CSV download."""
    return pl.DataFrame({
        "measure": list(_ABANDONED_LABELS.values()),
        "value": [None if summary.get(k) is None else float(summary[k]) for k in _ABANDONED_LABELS],
    }, schema={"measure": pl.String, "value": pl.Float64})
