"""A later import: a week's export into a workspace that holds millions (issue 9).

What a shop does every week: export the last days' orders (or funnel events) and import
them into the workspace with its history. The orders export (``--week`` rows, written once
from the workspace's own orders, seeded) holds new orders (new ids, after the last stored
order; existing customers and new ones, a few guests) and orders stored before that
changed since (refunded, cancelled, a new amount). The events export (``--kind events``)
holds new sessions after the last stored event (see ``_events_week``). Two fresh processes, each run on a fresh copy of the
workspace file (the copy is not timed):

- ``ingest``: ``python -m retention_core ingest --workspace COPY --orders WEEK.csv``
  (read, validate, compare with the stored orders, write, update the derived tables);
- ``duckdb``: ``python -m benchmarks.bench_import_update duckdb COPY WEEK.csv``: DuckDB
  appending the file to the table (``insert into orders by name select * from read_csv``),
  no comparison and no derived tables: the floor, for scale.

Medians of ``--runs`` alternating runs and each process's peak memory. No target in the
issue; the figure is what a weekly import costs.

    python -m benchmarks.bench_import_update                   # 10M-order workspace, 10,000 rows
    python -m benchmarks.bench_import_update --kind events     # the same for funnel events
    python -m benchmarks.bench_import_update --orders 3000 --week 300 --runs 1   # smoke size
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks._common import (
    DATA_DIR,
    Series,
    check,
    fmt_bytes,
    fmt_seconds,
    machine,
    python,
    run_timed,
)
from benchmarks.build_workspace import build_workspace

CHANGED_SHARE = 0.3  # of the week's rows: stored orders that changed since


def duckdb_append(workspace: str, csv: str, kind: str = "orders") -> int:
    """DuckDB's own CSV reader appending to the stored table; returns the rows added."""
    import duckdb

    con = duckdb.connect(workspace)
    table = {"orders": "orders", "events": "events"}[kind]  # no other name gets in
    added = con.execute(f"insert into {table} by name select * from read_csv($path)",  # noqa: S608
                        {"path": csv}).fetchall()[0][0]
    con.close()
    return added


def write_week(workspace: Path, rows: int, out: Path, seed: int = 7,
               kind: str = "orders") -> dict[str, int]:
    """The week's export as a CSV at ``out``, from the stored rows; returns its make-up."""
    return (_orders_week if kind == "orders" else _events_week)(workspace, rows, out, seed)


def _orders_week(workspace: Path, rows: int, out: Path, seed: int) -> dict[str, int]:
    import duckdb
    import polars as pl

    con = duckdb.connect(str(workspace), read_only=True)
    stored = con.sql("select * exclude (import_id, is_excluded) from orders "
                     "order by hash(order_id, $seed) limit $n",
                     params={"n": rows, "seed": seed}).pl()
    last = con.execute("select max(ordered_at) from orders").fetchall()[0][0]
    con.close()
    changed_n = int(rows * CHANGED_SHARE)
    changed = stored.head(changed_n).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit("refunded"))
        .when(pl.int_range(pl.len()) % 3 == 1).then(pl.lit("cancelled"))
        .otherwise(pl.col("status")).alias("status"),
        (pl.col("revenue") * 0.9).round(2).alias("revenue"))
    new = stored.tail(rows - changed_n).with_row_index("i").with_columns(
        pl.format("W{}", pl.col("i").cast(pl.String).str.zfill(9)).alias("order_id"),
        (pl.lit(last) + pl.duration(seconds=pl.col("i") * 60)).alias("ordered_at"),
        pl.when(pl.col("i") % 5 == 0).then(pl.format("N{}", pl.col("i")))  # new customers
        .otherwise(pl.col("customer_id")).alias("customer_id"),
    ).drop("i")
    week = pl.concat([changed, new])
    week.write_csv(out)
    return {"rows": week.height, "changed": changed.height, "new": new.height}


def _events_week(workspace: Path, rows: int, out: Path, seed: int) -> dict[str, int]:
    """New sessions only: copies of the last stored sessions a week later under new session
    ids. (Events have no id of their own; an import names them by their row's content, so
    events sent again would be known as such only in a workspace the import pipeline
    wrote, and this one was written from frames, see build_workspace.py.)"""
    import duckdb
    import polars as pl

    con = duckdb.connect(str(workspace), read_only=True)
    latest = con.sql("select session_id, customer_id, event_at, stage, device, source, value "
                     "from events order by event_at desc, event_id limit $n",
                     params={"n": rows}).pl()
    con.close()
    week = latest.with_columns(pl.format("W{}", pl.col("session_id")).alias("session_id"),
                               (pl.col("event_at") + pl.duration(days=7)).alias("event_at"))
    week.write_csv(out)
    return {"rows": week.height, "changed": 0, "new": week.height}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["duckdb"]:
        print(duckdb_append(argv[1], argv[2], *argv[3:4]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000,
                   help="size of the workspace (built into --data-dir if missing)")
    p.add_argument("--week", type=lambda s: int(s.replace("_", "")), default=10_000,
                   help="rows of the week's export")
    p.add_argument("--kind", choices=("orders", "events"), default="orders")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)

    source = build_workspace(args.orders, args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        week = Path(tmp) / f"week_{args.week}.csv"
        made = write_week(source, args.week, week, kind=args.kind)
        copy = Path(tmp) / "workspace.duckdb"
        cmds = {
            "ingest": [python(), "-m", "retention_core", "ingest", "--workspace", str(copy),
                       f"--{args.kind}", str(week), "--json"],
            "duckdb": [python(), "-m", "benchmarks.bench_import_update", "duckdb", str(copy),
                       str(week), args.kind],
        }
        series = {name: Series(name) for name in cmds}
        for run in range(args.runs + 1):  # the first round warms the page cache, untimed
            for name, cmd in cmds.items():
                shutil.copyfile(source, copy)
                Path(f"{copy}.wal").unlink(missing_ok=True)
                done = check(run_timed(cmd), name)
                if run:
                    series[name].runs.append(done)
    print(f"a week's {args.kind} export ({made['rows']:,} rows: {made['new']:,} new, "
          f"{made['changed']:,} changed) into a workspace of {args.orders:,} orders (and as "
          f"many events), median of {args.runs} alternating runs; {machine()}")
    for name, s in series.items():
        print(f"  {name:<7} {fmt_seconds(s.median):>9}  peak {fmt_bytes(s.peak_bytes):>9}  "
              f"runs: {', '.join(f'{x:.2f}' for x in s.seconds)}")
    done = json.loads(series["ingest"].runs[-1].stdout)["imports"][0]
    print(f"  ingest reported {done['new']:,} new, {done['updated']:,} updated and "
          f"{done['unchanged']:,} unchanged {args.kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
