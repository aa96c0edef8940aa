"""The floors under issue 9's two ratio targets: what any exact implementation must spend
on this machine, measured next to the references the targets are set against.

**Cold** (``retention --json`` on 5M orders, Parquet; targets: CLI <= 1.3 x the bare
DuckDB query, pandas >= 3 x the CLI). Fresh processes, alternating:

- ``start``:  Python importing DuckDB and nothing else;
- ``bare``:   the bare DuckDB query (``reference_cohorts duckdb``), which trusts the file;
- ``ids``:    one DuckDB query counting the file's order ids and the distinct hashes of
  them (equal counts prove the ids distinct; the cheapest exact check). An exact answer
  needs at least this besides the query: rows sharing an order id are one order (SPEC.md,
  line items), and a line without the order's status would otherwise count as a kept
  order of its own;
- ``pandas``: the analyst's reference (``reference_cohorts pandas``).

floor = bare + ids - start (both in one process: the query and the one check, nothing
else: no other value checked, no output formatting).

**Import** (a 10M-row orders CSV into a new workspace; target: <= 1.5 x DuckDB's
``read_csv`` into a table). Fresh processes, alternating:

- ``duckdb``: ``create table orders as select * from read_csv(FILE)`` (``bench_import``);
- ``steps``:  one process timing, each on its own, three steps an import of this product
  cannot skip, and nothing else: polars reading the CSV as text (no dates or numbers
  parsed, nothing checked); storing the orders, already canonical (from the Parquet
  twin), into a new workspace's ``orders`` table; the derived orders tables the warm path
  reads (the issue: "precompute per-customer ... tables at import"), built without the
  memory cap the product puts on it (faster; the product needs the cap for the 3 GB peak).

floor = read + store + derived.

    python -m benchmarks.bench_floors --runs 3
    python -m benchmarks.bench_floors --cold-orders 20000 --import-orders 20000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, alternate, data_file, fmt_seconds, machine, python

IDS_SQL = """
select
    count(*) as rows,
    count(order_id) as ids,
    count(distinct hash(order_id)) filter (where order_id is not null) as distinct_ids
from read_parquet($path)
"""


def count_ids(path: str) -> dict[str, int]:
    """The ``ids`` child: rows, order ids present and distinct hashes of them (the ids are
    distinct when these equal the ids; a hash collision could only make them fewer)."""
    import duckdb

    rows, ids, distinct = duckdb.connect().execute(IDS_SQL, {"path": path}).fetchone()
    return {"rows": rows, "ids": ids, "distinct_ids": distinct}


def import_steps(csv: str, parquet: str, workspace: str) -> dict[str, float]:
    """The ``steps`` child: seconds of the three steps no import can skip (module docstring)."""
    import polars as pl

    from retention_core import derived
    from retention_core.derived import orders as orders_builder
    from retention_core.workspace import Workspace

    orders_builder.BUILD_MEMORY = "16GB"  # the floor: no cap (see the module docstring)

    started = time.perf_counter()
    text = pl.read_csv(csv, infer_schema=False)
    read = time.perf_counter() - started
    rows = text.height
    del text
    frame = pl.read_parquet(parquet).with_columns(
        pl.lit(False).alias("is_excluded"), pl.lit(1, dtype=pl.Int64).alias("import_id"))
    with Workspace(workspace) as ws:
        cur = ws.cursor()
        started = time.perf_counter()
        cur.execute("insert into orders by name select * from frame")
        cur.execute("checkpoint")
        store = time.perf_counter() - started
        del frame
        (orders,) = [b for b in derived.builders() if b.kind == "orders"]
        started = time.perf_counter()
        cur.execute("begin transaction")
        orders.build(cur)
        cur.execute("commit")
        built = time.perf_counter() - started
        stored = cur.execute("select count(*) from orders").fetchone()[0]
    if stored != rows:
        raise SystemExit(f"stored {stored} orders, read {rows} rows")
    return {"read": read, "store": store, "derived": built}


def cold(orders: int, runs: int, data_dir: Path) -> None:
    path = str(data_file("orders", orders, "parquet", data_dir))
    cmds = {
        "start": [python(), "-c", "import duckdb"],
        "bare": [python(), "-m", "benchmarks.reference_cohorts", "duckdb", path],
        "ids": [python(), "-m", "benchmarks.bench_floors", "ids", path],
        "pandas": [python(), "-m", "benchmarks.reference_cohorts", "pandas", path],
    }
    series = alternate(cmds, runs)
    counts = json.loads(series["ids"].runs[-1].stdout)
    print(f"cold floor, {orders:,} orders ({Path(path).name}; {counts['distinct_ids']:,} distinct "
          f"hashes of {counts['ids']:,} order ids), median of {runs} alternating runs; {machine()}")
    med = {name: s.median for name, s in series.items()}
    for name, s in series.items():
        print(f"  {name:<7} {fmt_seconds(s.median):>9}  runs: "
              f"{', '.join(f'{x:.2f}' for x in s.seconds)}")
    floor = med["bare"] + med["ids"] - med["start"]
    print(f"  floor = bare + ids - start = {fmt_seconds(floor)}: {floor / med['bare']:.2f} x the "
          f"bare query (target <= 1.30); pandas / floor = {med['pandas'] / floor:.2f} "
          "(target >= 3.0)")
    print(f"  a CLI meeting both targets would take <= {fmt_seconds(min(1.3 * med['bare'], med['pandas'] / 3))}")


def imports(orders: int, runs: int, data_dir: Path) -> None:
    csv = data_file("orders", orders, "csv", data_dir)
    parquet = data_file("orders", orders, "parquet", data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "floor.duckdb"
        # one workspace path for both: each run starts from no file (removed after each run)
        cmds = {
            "duckdb": [python(), "-m", "benchmarks.bench_floors", "fresh", str(ws),
                       "benchmarks.bench_import", "duckdb", str(ws), str(csv)],
            "steps": [python(), "-m", "benchmarks.bench_floors", "fresh", str(ws),
                      "benchmarks.bench_floors", "steps", str(csv), str(parquet), str(ws)],
        }
        series = alternate(cmds, runs)
    steps = [json.loads(r.stdout.strip().splitlines()[-1]) for r in series["steps"].runs]
    med = {k: statistics.median(s[k] for s in steps) for k in ("read", "store", "derived")}
    floor = statistics.median(sum(s.values()) for s in steps)
    duck = series["duckdb"].median
    print(f"import floor, {orders:,}-row orders CSV ({csv.stat().st_size / 2**20:,.0f} MiB), "
          f"median of {runs} alternating runs; {machine()}")
    print(f"  duckdb  {fmt_seconds(duck):>9}  runs: "
          f"{', '.join(f'{x:.2f}' for x in series['duckdb'].seconds)}")
    for k, v in med.items():
        print(f"  {k:<7} {fmt_seconds(v):>9}  runs: {', '.join(f'{s[k]:.2f}' for s in steps)}")
    print(f"  floor = read + store + derived = {fmt_seconds(floor)}: {floor / duck:.2f} x DuckDB "
          f"(target <= 1.50); the target leaves {fmt_seconds(1.5 * duck - floor)} for parsing "
          "dates and amounts, checking every value and combining line items")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ids"]:
        print(json.dumps(count_ids(argv[1])))
        return 0
    if argv[:1] == ["steps"]:
        print(json.dumps(import_steps(*argv[1:4])))
        return 0
    if argv[:1] == ["fresh"]:  # remove the workspace file, then run the module given
        import runpy

        for suffix in ("", ".wal"):
            Path(f"{argv[1]}{suffix}").unlink(missing_ok=True)
        sys.argv = [argv[2], *argv[3:]]
        runpy.run_module(argv[2], run_name="__main__")
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cold-orders", type=lambda s: int(s.replace("_", "")), default=5_000_000)
    p.add_argument("--import-orders", type=lambda s: int(s.replace("_", "")),
                   default=10_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--only", choices=("cold", "import"), default=None)
    args = p.parse_args(argv)
    if args.only != "import":
        cold(args.cold_orders, args.runs, args.data_dir)
    if args.only != "cold":
        imports(args.import_orders, args.runs, args.data_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
