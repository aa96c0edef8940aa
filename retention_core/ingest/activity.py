"""What a workspace holds, for the Data page: rows per day (to see gaps) and the imports."""

from __future__ import annotations

import duckdb
import polars as pl

from retention_core.sql import load_sql, query_frame

SERIES = ("orders", "excluded orders", "answers", "events")


def compute_daily_activity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows per day of each table: ``day``, ``series``, ``rows``.

    Series are kept orders, excluded orders (cancelled, refunded...), dated survey answers
    and events. Days without rows between a series' first and last day are present with
    0, so a missing export shows as a drop to zero rather than a straight line.
    """
    return query_frame(con, load_sql("ingest/daily_activity"))


def summarise_activity(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per series: first and last day, total rows, days covered, days with none.

    ``empty_days`` counts the days between the first and the last with no rows at all
    (weekends of a shop closed at weekends count too), ``longest_gap`` the longest run
    of them.
    """
    daily = compute_daily_activity(con)
    if daily.is_empty():
        return pl.DataFrame(schema={"series": pl.String, "first_day": pl.Date,
                                    "last_day": pl.Date, "rows": pl.Int64, "days": pl.UInt32,
                                    "empty_days": pl.UInt32, "longest_gap": pl.UInt32})
    runs = (daily.with_columns((pl.col("rows") == 0).alias("empty"))
            .with_columns(pl.col("empty").rle_id().over("series").alias("run")))
    gaps = (runs.filter(pl.col("empty")).group_by(["series", "run"]).len()
            .group_by("series").agg(pl.col("len").max().alias("longest_gap")))
    out = (daily.group_by("series").agg(
        pl.col("day").min().alias("first_day"), pl.col("day").max().alias("last_day"),
        pl.col("rows").sum().cast(pl.Int64).alias("rows"), pl.len().alias("days"),
        (pl.col("rows") == 0).sum().alias("empty_days"))
        .join(gaps, on="series", how="left")
        .with_columns(pl.col("longest_gap").fill_null(0).cast(pl.UInt32)))
    order = {name: i for i, name in enumerate(SERIES)}
    return out.sort(pl.col("series").replace_strict(order, default=99))


def list_imports_with_reports(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The imports, newest first, with rows read / kept / excluded / rejected from their
    validation reports and the rows each still owns in the workspace."""
    return query_frame(con, load_sql("workspace/list_imports"))


def count_undated_answers(con: duckdb.DuckDBPyConnection) -> int:
    """Survey answers without a date (they count for overall scores, not for trends)."""
    rows = con.execute("select count(*) from surveys where responded_at is null").fetchall()
    return int(rows[0][0])
