"""The Overview: KPI tiles per period with change and sparkline, and what changed.

Order-based KPIs per period come from ``sql/overview/period_order_kpis.sql``; NPS, CSAT
and cart abandonment from the satisfaction and funnel modules, so each number equals
the one on its own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import duckdb
import polars as pl

from retention_core import derived
from retention_core.filters import Filters
from retention_core.metrics.common import (
    check_period,
    data_bounds,
    next_period_start,
    on_order_facts,
    order_rank,
    period_start,
)
from retention_core.sql import fill_part, load_sql, query_frame, query_one


def compute_period_order_kpis(con: duckdb.DuckDBPyConnection, filters: Filters,
                              period: str = "week") -> pl.DataFrame:
    """Order KPIs per period, oldest first.

    Columns: period_start, revenue, orders, customers, new_customers (first kept order in
    the period), returning_customers (ordered in the period, first order earlier), aov
    (revenue / orders, guests included), repeat_purchase_rate (share of the period's
    customers with 2+ orders up to the period's end), average_clv (historic CLV at the
    period's end: revenue to date of customers / customers to date).
    """
    check_period(period)
    params = {**filters.params(), "period": period}
    frame = query_frame(con, on_order_facts(con, _with_kpi_steps("overview/period_order_kpis")),
                        params)
    return frame.with_columns(pl.col("period_start").cast(pl.Date))


_KPI_COLUMNS = ("period_start", "revenue", "orders", "customers", "new_customers",
                "returning_customers", "aov", "repeat_purchase_rate", "average_clv")


def _with_kpi_steps(name: str) -> str:
    """The query ``name`` with the steps of the order KPIs."""
    return fill_part(load_sql(name), "period_kpi_steps", load_sql("overview/period_kpi_steps"))


def _order_series(con: duckdb.DuckDBPyConnection, filters: Filters,
                  period: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`compute_period_order_kpis` and the customer retention rate
    (:func:`~retention_core.metrics.retention.compute_customer_retention_rate`, default
    activity window) of ``filters``. Without a date range start both read the same orders
    (every order up to "as of"), so one window pass gives both
    (``overview/order_series.sql``); with a start, the two queries."""
    from retention_core.metrics.retention import (
        CRR_SCHEMA,
        DEFAULT_ACTIVITY_DAYS,
        _conform,
        compute_customer_retention_rate,
        query_crr,
    )
    from retention_core.metrics.retention_scope import resolve_scope, scope_params

    scope = resolve_scope(con, filters, period) if filters.start is None else None
    if scope is None:
        return (compute_period_order_kpis(con, filters, period),
                compute_customer_retention_rate(con, filters, period))
    params = scope_params(filters, scope, activity_days=DEFAULT_ACTIVITY_DAYS)
    both = query_crr(con, _with_kpi_steps("overview/order_series"), params)
    crr = both.filter(pl.col("customers_start").is_not_null())
    kpis = both.filter(pl.col("orders").is_not_null()).select(_KPI_COLUMNS)
    return (kpis.with_columns(pl.col("period_start").cast(pl.Date)),
            _conform(crr, CRR_SCHEMA))


def last_complete_period(latest: date, period: str) -> date:
    """Start of the last complete period before the one containing ``latest``.

    The period holding the latest data is partial (SPEC.md), so the tiles compare the
    one before it with its predecessor.
    """
    current = period_start(latest, period)
    return period_start(current.fromordinal(current.toordinal() - 1), period)


# -- KPI tiles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSpec:
    """How a KPI is shown and explained."""

    key: str
    label: str
    unit: str  # money | count | rate (fraction) | points (NPS) | percent (CSAT)
    higher_is_better: bool = True
    source: str = "orders"  # orders | surveys | events


KPIS: tuple[KpiSpec, ...] = (
    KpiSpec("revenue", "Revenue", "money"),
    KpiSpec("orders", "Orders", "count"),
    KpiSpec("new_customers", "New customers", "count"),
    KpiSpec("returning_customers", "Returning customers", "count"),
    KpiSpec("aov", "Average order value", "money"),
    KpiSpec("repeat_purchase_rate", "Repeat purchase rate", "rate"),
    KpiSpec("customer_retention_rate", "Customer retention rate", "rate"),
    KpiSpec("average_clv", "Average CLV (historic)", "money"),
    KpiSpec("nps", "NPS", "points", source="surveys"),
    KpiSpec("csat", "CSAT", "percent", source="surveys"),
    KpiSpec("cart_abandonment_rate", "Cart abandonment", "rate", higher_is_better=False,
            source="events"),
)
KPI_BY_KEY = {k.key: k for k in KPIS}
SPARK_PERIODS = 12


def compute_overview_series(con: duckdb.DuckDBPyConnection, filters: Filters,
                            period: str = "week", carts: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every Overview KPI per period (``period_start``, oldest first).

    A KPI whose source has no data in a period is null there (never 0), so tiles can say
    "no survey answers" instead of showing a fall to zero. ``carts``: the
    :func:`cart_records` of these arguments, when the caller has them already.
    """
    from retention_core.metrics.satisfaction import compute_score_trends

    check_period(period)
    kpis, crr = _order_series(con, filters, period)
    series = kpis.select(
        "period_start", "revenue", "orders", "new_customers", "returning_customers", "aov",
        "repeat_purchase_rate", "average_clv")
    parts = [crr.select(pl.col("period_start").cast(pl.Date),
                        pl.col("crr").alias("customer_retention_rate"))]
    for survey, trend in compute_score_trends(con, filters, period).items():
        parts.append(trend.select(pl.col("period_start").cast(pl.Date), pl.col("score").alias(survey)))
    if carts is None:
        carts = cart_records(con, filters, period)
    parts.append(carts.group_by("period_start").agg(
        (pl.col("abandoned").sum() / pl.col("cart").sum()).alias("cart_abandonment_rate")))
    for part in parts:
        series = series.join(part, on="period_start", how="full", coalesce=True)
    return series.select("period_start", *[k.key for k in KPIS]).sort("period_start")


def cart_records(con: duckdb.DuckDBPyConnection, filters: Filters, period: str) -> pl.DataFrame:
    """Sessions that reached the cart, from the funnel's own definition, counted per
    period of their first funnel event, device and source.

    Columns: period_start, device, source, cart (sessions reaching the cart step),
    abandoned (those of them that never purchased within the conversion window). Empty
    when no unit reached the cart or the data has no purchase stage. Counts add up, so
    :func:`~retention_core.metrics.changes.explain_change` gives on these groups what it
    gives on one row per session.
    """
    from retention_core.metrics.funnel import compute_cart_groups

    return compute_cart_groups(con, filters, period)


def format_value(value: float | None, unit: str) -> str:
    """A KPI value for people: 12,345 / 12.3% / +41 / 87.5%."""
    if value is None:
        return "–"
    if unit == "money":
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "rate":
        return f"{100 * value:.1f}%"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:.1f}%"


def describe_delta(spec: KpiSpec, current: float, previous: float) -> tuple[str, float]:
    """(text, size) of a change: points for rates and scores, percent for amounts.

    ``size`` is a unit-free magnitude used to rank movements: the relative change for
    amounts and counts, points / 100 for rates and scores.
    """
    if spec.unit in ("rate", "percent", "points"):
        scale = 100 if spec.unit == "rate" else 1
        points = (current - previous) * scale
        return f"{points:+.1f} pts", abs(points) / 100
    if previous == 0:
        return "new", 1.0
    rel = current / previous - 1
    return f"{100 * rel:+.1f}%", abs(rel)


def build_tiles(series: pl.DataFrame, current_start: date,
                available: dict[str, bool] | None = None) -> list[dict]:
    """One tile per KPI for the period starting ``current_start`` vs the one before.

    Returns dicts with key, label, unit, value, previous, value_text, delta_text, size,
    tone (good / bad / flat), sparkline (the last 12 periods up to the current one),
    available and missing_reason.
    """
    available = available or {}
    upto = series.filter(pl.col("period_start") <= current_start).tail(SPARK_PERIODS)
    rows = {r["period_start"]: r for r in upto.iter_rows(named=True)}
    current = rows.get(current_start, {})
    before = upto.filter(pl.col("period_start") < current_start)
    previous = before.row(-1, named=True) if before.height else {}
    tiles = []
    for spec in KPIS:
        value, prev = current.get(spec.key), previous.get(spec.key)
        tile = {"key": spec.key, "label": spec.label, "unit": spec.unit, "value": value,
                "higher_is_better": spec.higher_is_better,
                "previous": prev, "value_text": format_value(value, spec.unit),
                "previous_text": format_value(prev, spec.unit),
                "delta_text": "", "size": 0.0, "tone": "flat",
                "sparkline": upto.get_column(spec.key).to_list() if upto.height else [],
                "available": value is not None, "missing_reason": None,
                "previous_start": previous.get("period_start")}
        if not available.get(spec.source, True):
            tile["missing_reason"] = {"surveys": "no survey answers imported",
                                      "events": "no funnel events imported"}.get(spec.source, "no orders")
        elif value is None:
            tile["missing_reason"] = "no data this period"
        if value is not None and prev is not None:
            text, size = describe_delta(spec, value, prev)
            went_up = value > prev
            tone = "flat" if size < 0.005 else ("good" if went_up == spec.higher_is_better else "bad")
            tile.update(delta_text=f"{text} vs previous", size=size, tone=tone)
        tiles.append(tile)
    return tiles


# -- what changed -------------------------------------------------------------------------

# Which units explain a KPI, and how: (records query, value column, weight column or None,
# segment dimensions, how to name the units in a sentence, the column counting the units
# a record stands for: records are grouped by period and segment).
_EXPLAINERS: dict[str, tuple[str, str, str | None, tuple[str, ...], str, str]] = {
    "revenue": ("order_records", "revenue", None, ("channel", "country", "device"), "orders",
                "order_count"),
    "orders": ("order_records", "order_count", None, ("channel", "country", "device"), "orders",
               "order_count"),
    "aov": ("order_records", "revenue", "order_count", ("channel", "country", "device"), "orders",
            "order_count"),
    "new_customers": ("customer_records", "is_new", None, ("channel", "country", "device"),
                      "customers acquired", "customer_count"),
    "returning_customers": ("customer_records", "is_returning", None,
                            ("channel", "country", "device"), "customers acquired",
                            "customer_count"),
    "repeat_purchase_rate": ("customer_records", "is_repeat", "customer_count",
                             ("channel", "country", "device"), "customers acquired",
                             "customer_count"),
    "nps": ("answer_records", "points", "answers", ("channel", "country", "device", "touchpoint"),
            "answers", "answers"),
    "csat": ("answer_records", "points", "answers", ("channel", "country", "device", "touchpoint"),
             "answers", "answers"),
    "cart_abandonment_rate": ("cart_records", "abandoned", "cart", ("device", "source"), "carts",
                              "cart"),
}
MIN_ANSWERS = 30  # as on the Satisfaction page: fewer answers are flagged
MIN_MOVEMENT = 0.02  # 2% (or 2 points) before a movement is worth a sentence
MAX_SENTENCES = 4


def _segment_words(segment: dict[str, str], units: str) -> str:
    words = {"channel": "through {}", "country": "in {}", "device": "on {}",
             "touchpoint": "at {}", "source": "from {}"}
    parts = [words[d].format(v) for d, v in segment.items()]
    return f"{units} {' '.join(parts)}"


# record queries that read only what order_facts holds (customer ids only counted, order_id
# only as the first-order tie-break between a customer's orders)
_ON_ORDER_FACTS = ("order_records", "customer_records")


def change_records(con: duckdb.DuckDBPyConnection, filters: Filters, kpi: str, period: str,
                   current_start: date, previous_start: date,
                   carts: pl.DataFrame | None = None) -> pl.DataFrame:
    """The units behind ``kpi`` in the two periods, for :func:`explain_change`
    (``carts``: the :func:`cart_records` of these filters and period, if known)."""
    query, *_ = _EXPLAINERS[kpi]
    if query == "cart_records":
        start = pl.col("period_start")
        return ((cart_records(con, filters, period) if carts is None else carts)
                .filter(start.is_in([current_start, previous_start]))
                .with_columns((start == current_start).alias("is_current")))
    params = {**filters.params(), "period": period, "current_start": current_start,
              "previous_start": previous_start, "survey": kpi,
              # the days the two periods span: the records queries read only those
              "records_start": datetime.combine(previous_start, time()),
              "records_end": datetime.combine(next_period_start(current_start, period), time())}
    sql = load_sql(f"overview/{query}")
    if query == "customer_records":
        sql = fill_part(sql, "order_rank", order_rank(derived.available(con, "order_facts")))
    if query in _ON_ORDER_FACTS:
        sql = on_order_facts(con, sql)
    return query_frame(con, sql, params)


def describe_changes(con: duckdb.DuckDBPyConnection, filters: Filters, period: str,
                     tiles: list[dict], current_start: date,
                     carts: pl.DataFrame | None = None) -> list[str]:
    """The largest movements in plain sentences, each with the segment behind it.

    Movements are ranked by size (relative change, or points for rates and scores);
    those under 2% are left out. The segment comes from :func:`explain_change`, an exact
    decomposition of the change, so its share is a computed fact. ``carts`` as for
    :func:`change_records`.
    """
    from retention_core.metrics.changes import explain_change

    moved = sorted((t for t in tiles if t["size"] >= MIN_MOVEMENT), key=lambda t: -t["size"])
    sentences, noisy = [], []
    # revenue, orders and AOV share one records query, so do the three customer KPIs
    records_of: dict[tuple[str, str], pl.DataFrame] = {}
    for tile in moved:
        if len(sentences) == MAX_SENTENCES:
            break  # the rest could only come after these: no records queried for them
        spec = KPI_BY_KEY[tile["key"]]
        direction = "rose" if tile["value"] > tile["previous"] else "fell"
        change = tile["delta_text"].replace(" vs previous", "")
        if spec.unit in ("rate", "percent", "points"):
            amount = change.lstrip("+-").replace("pts", "points")
        else:
            amount = change.lstrip("+-")
        sentence = (f"{spec.label} {direction} {amount} "
                    f"({format_value(tile['previous'], spec.unit)} → {tile['value_text']})")
        if spec.key in _EXPLAINERS and tile.get("previous_start"):
            query, value, weight, dims, units, count = _EXPLAINERS[spec.key]
            key = (query, spec.key if query == "answer_records" else "")
            if key not in records_of:
                records_of[key] = change_records(con, filters, spec.key, period, current_start,
                                                 tile["previous_start"], carts)
            records = records_of[key]
            if spec.source == "surveys":
                sizes = records.group_by("is_current").agg(pl.col("answers").sum())
                fewest = int(sizes.get_column("answers").min()) if sizes.height == 2 else 0
                if fewest < MIN_ANSWERS:
                    noisy.append(sentence + f"; only {fewest} answers in one of the two "
                                 "periods, too few to tell a real change from noise.")
                    continue
            found = explain_change(records, dims=list(dims), value=value, weight=weight,
                                   count=count)
            if found is not None:
                sentence += "; " + _attribution(found, units, direction)
        sentences.append(sentence + ".")
    # reliable movements first; small-sample ones last, with their caveat
    return (sentences + noisy)[:MAX_SENTENCES]


def _attribution(found, units: str, direction: str) -> str:
    word = "rise" if direction == "rose" else "fall"
    who = _segment_words(found.segment, units)
    if found.share > 1.05:
        return (f"{who} account for more than the whole {word} ({100 * found.share:.0f}% of it; "
                "other groups moved the other way)")
    return f"{who} account for {100 * found.share:.0f}% of the {word}"


@dataclass
class Overview:
    """Everything the Overview page and the weekly report show."""

    period: str
    current_start: date | None  # the last complete period (None: no data)
    as_of: date | None
    series: pl.DataFrame
    tiles: list[dict]
    sentences: list[str]
    available: dict[str, bool]


def compute_overview(con: duckdb.DuckDBPyConnection, filters: Filters, period: str = "week",
                     as_of: date | None = None) -> Overview:
    """KPI tiles for the last complete period up to ``as_of`` and what changed.

    ``as_of`` defaults to the latest date in the data (or the end of the date filter,
    if earlier). The period containing it is partial unless as-of is its last day, so
    the tiles show the last complete period against its predecessor.
    """
    check_period(period)
    available = {k: bool(query_one(con, _COUNT_SQL[k])[0]) for k in _COUNT_SQL}
    bounds = data_bounds(con)
    if as_of is None and bounds is not None:
        as_of = min(bounds[1], filters.end) if filters.end else bounds[1]
    if as_of is None:
        return Overview(period, None, None, pl.DataFrame(), [], [], available)
    scoped = Filters(filters.start, as_of, filters.channels, filters.countries, filters.devices)
    carts = cart_records(con, scoped, period)  # the tile's series and its "what changed"
    series = compute_overview_series(con, scoped, period, carts)
    if next_period_start(as_of, period) - timedelta(days=1) == as_of:
        current_start = period_start(as_of, period)
    else:
        current_start = last_complete_period(as_of, period)
    tiles = build_tiles(series, current_start, available)
    sentences = describe_changes(con, scoped, period, tiles, current_start, carts)
    return Overview(period, current_start, as_of, series, tiles, sentences, available)


_COUNT_SQL = {
    "orders": "select exists (select 1 from kept_orders)",
    "surveys": "select exists (select 1 from surveys where score is not null)",
    "events": "select exists (select 1 from events)",
}
