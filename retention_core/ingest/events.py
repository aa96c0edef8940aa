"""Funnel events: raw rows -> canonical events (SPEC.md, events and the stage vocabulary).

- An event needs a time and a raw event name; the stage comes from the raw name through
  the vocabulary of :data:`retention_core.mapping.STAGE_VOCABULARY` and ``--stage-map``
  (other names are kept with no stage).
- The session is the mapped column, a preset's composite (GA4: user + ga_session_id),
  or, when the file has none, the customer: all of a customer's events form one unit.
- A checkout table (``completed_at`` mapped and no event name, e.g. Shopify's checkouts
  export) gives per checkout a ``checkout_started`` event (stage checkout) at its
  creation and a ``checkout_completed`` event (stage purchase) when it was completed.
- The event id is derived from the row's content plus the count of identical earlier
  rows of the file, so re-importing or overlapping logs count each event once.
"""

from __future__ import annotations

import polars as pl

from retention_core.errors import MappingError
from retention_core.ingest.common import (
    BuildContext,
    base_frame,
    drop_earlier_copies,
    source_columns,
)
from retention_core.ingest.fields import (
    join_parts,
    normalise_customer,
    raw_text,
    read_datetime,
    read_number,
    read_text,
    row_identity,
)
from retention_core.ingest.report import REJECTED, WARNING
from retention_core.mapping import map_stages


def build_events(raw: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """The canonical events of ``raw`` (see the module docstring); fills ``ctx.report``."""
    report, m = ctx.report, ctx.mapping
    work = base_frame(raw, ctx.files)
    cols: list[pl.Series] = []
    if "customer_id" in m:
        cols.append(read_text(raw.get_column(m["customer_id"])).alias("customer_id"))
    for name in ("device", "source"):
        if name in m:
            cols.append(read_text(raw.get_column(m[name])).alias(name))
    when = read_datetime(raw.get_column(m["event_at"]), epoch_unit=ctx.epoch_unit("event_at"))
    ctx.note_format("event_at", when)
    cols += [when.values.alias("event_at"), when.invalid.alias("_bad_at"),
             raw_text(raw.get_column(m["event_at"])).alias("_raw_at")]
    if "value" in m:
        value = read_number(raw.get_column(m["value"]))
        ctx.note_format("value", value)
        cols += [value.values.alias("value"), value.invalid.alias("_bad_value"),
                 raw_text(raw.get_column(m["value"])).alias("_raw_value")]
    checkout_table = "completed_at" in m and "raw_event" not in m
    if checkout_table:
        done = read_datetime(raw.get_column(m["completed_at"]))
        ctx.note_format("completed_at", done)
        cols += [done.values.alias("_done_at"), done.invalid.alias("_bad_done"),
                 raw_text(raw.get_column(m["completed_at"])).alias("_raw_done")]
    else:
        cols.append(read_text(raw.get_column(m["raw_event"])).alias("raw_event"))
    cols.append(_sessions(raw, ctx))
    work = work.with_columns(cols)
    if "customer_id" in work.columns:
        work = work.with_columns(normalise_customer(pl.col("customer_id")).alias("customer_id"))

    if checkout_table:
        events = _checkout_events(work, ctx)
    else:
        work = work.with_columns(row_identity(raw, source_columns(raw), prefix="ev-")
                                 .alias("event_id"))
        events = drop_earlier_copies(work, "event_id", ctx, "event")
        report.found = events.height
        events = _reject(events, ctx, pl.col("_bad_at"), "unparseable time", m["event_at"],
                         pl.col("_raw_at"))
        events = _reject(events, ctx, pl.col("event_at").is_null(), "missing time",
                         m["event_at"], None)
        events = _reject(events, ctx, pl.col("raw_event").is_null(), "missing event name",
                         m["raw_event"], None)
    events = _reject(events, ctx, pl.col("session_id").is_null(), "missing session",
                     m.get("session_id") or m.get("customer_id"), None)
    if "_bad_value" in events.columns:
        bad = events.filter(pl.col("_bad_value"))
        if bad.height:
            ctx.log.add(bad, outcome=WARNING, reason="unparseable value left empty",
                        column=m["value"], value=pl.col("_raw_value"))
            report.count("unparseable value left empty", bad.height)

    events = events.with_columns(map_stages(events.get_column("raw_event"), ctx.stage_map))
    report.kept = events.height
    stages = events.group_by("stage").len().sort("stage", nulls_last=True)
    report.extra["events_by_stage"] = {str(k) if k is not None else "not a funnel stage": v
                                       for k, v in stages.iter_rows()}
    unstaged = events.filter(pl.col("stage").is_null())
    if unstaged.height:
        top = (unstaged.group_by("raw_event").len().sort(["len", "raw_event"],
                                                          descending=[True, False]).head(8))
        names = ", ".join(f"{name} ({n:,})" for name, n in top.iter_rows())
        report.notes.append(f"{unstaged.height:,} events are not funnel stages and are kept "
                            f"without a stage: {names}. Map them with --stage-map RAW=STAGE "
                            "(or on the Data page) if they are.")
    keep = ["event_id", "session_id", "customer_id", "event_at", "stage", "raw_event",
            "device", "source", "value"]
    return events.select([c for c in keep if c in events.columns])


def _sessions(raw: pl.DataFrame, ctx: BuildContext) -> pl.Series:
    m = ctx.mapping
    if "session_id" in m:
        return read_text(raw.get_column(m["session_id"])).alias("session_id")
    if "session_id" in ctx.composed:
        ctx.report.notes.append(f"session = {' + '.join(ctx.composed['session_id'])}")
        return join_parts(raw, ctx.composed["session_id"]).alias("session_id")
    if "customer_id" in m:
        ctx.report.notes.append("no session column: all events of a customer form one "
                                "session (the funnel then follows customers)")
        return normalise_customer_series(read_text(raw.get_column(m["customer_id"])))
    raise MappingError("events need a session or a customer column to follow people through "
                       "the funnel; map one with --map session_id=COLUMN or "
                       "--map customer_id=COLUMN")


def normalise_customer_series(series: pl.Series) -> pl.Series:
    return pl.select(normalise_customer(pl.lit(series))).to_series().alias("session_id")


def _reject(frame: pl.DataFrame, ctx: BuildContext, cond: pl.Expr, reason: str,
            column: str | None, value: pl.Expr | None) -> pl.DataFrame:
    hit = frame.filter(cond.fill_null(False))
    if hit.height:
        ctx.log.add(hit, outcome=REJECTED, reason=reason, column=column, value=value)
        ctx.report.count(reason, hit.height)
        ctx.report.rejected += hit.height
        return frame.filter(~cond.fill_null(False))
    return frame


def _checkout_events(work: pl.DataFrame, ctx: BuildContext) -> pl.DataFrame:
    """One checkout per session (line-item rows combined) -> started / completed events."""
    m, report = ctx.mapping, ctx.report
    work = _reject(work, ctx, pl.col("session_id").is_null(), "missing checkout id",
                   m.get("session_id"), None)
    work = drop_earlier_copies(work, "session_id", ctx, "checkout")
    firsts = [pl.col(c).drop_nulls().first().alias(c)
              for c in ("customer_id", "device", "source", "event_at", "_done_at", "value",
                        "_raw_at", "_raw_done", "_raw_value") if c in work.columns]
    flags = [pl.col(c).any() for c in ("_bad_at", "_bad_done", "_bad_value") if c in work.columns]
    checkouts = work.group_by("session_id", maintain_order=True).agg(
        pl.col("_source_file").first(), pl.col("_source_row").first(), *flags, *firsts)
    report.found = checkouts.height + report.rejected
    report.extra["checkouts"] = checkouts.height
    checkouts = _reject(checkouts, ctx, pl.col("_bad_at"), "unparseable time", m["event_at"],
                        pl.col("_raw_at"))
    checkouts = _reject(checkouts, ctx, pl.col("event_at").is_null(), "missing time",
                        m["event_at"], None)
    bad_done = checkouts.filter(pl.col("_bad_done"))
    if bad_done.height:
        ctx.log.add(bad_done, outcome=WARNING,
                    reason="unparseable completion time: counted as not completed",
                    column=m["completed_at"], value=pl.col("_raw_done"))
        report.count("unparseable completion time", bad_done.height)
    started = checkouts.with_columns(pl.lit("checkout_started").alias("raw_event"))
    completed = checkouts.filter(pl.col("_done_at").is_not_null()).with_columns(
        pl.col("_done_at").alias("event_at"), pl.lit("checkout_completed").alias("raw_event"))
    report.extra["checkouts_completed"] = completed.height
    both = pl.concat([started, completed], how="vertical_relaxed")
    ids = pl.concat_str([pl.lit("co-"), pl.col("session_id"), pl.lit(":"), pl.col("raw_event")])
    return both.with_columns(ids.alias("event_id"))
