"""Import: an orders CSV into a workspace file vs DuckDB's own ``read_csv`` (issue 9).

Two fresh processes load the same CSV into a new DuckDB file:

- ``ingest``: ``python -m retention_core ingest --workspace WS --orders FILE`` (read, map,
  parse, validate, report, store);
- ``duckdb``: ``python -m benchmarks.bench_import duckdb WS FILE``: ``create table orders as
  select * from read_csv(FILE)`` with nothing else imported.

Each is run ``--runs`` times, alternating, on a fresh workspace file each time (removed
afterwards); medians of wall time, and the peak resident memory of each process
(``wait4`` rusage, i.e. ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` per child).

Targets: ingest <= 1.5 x duckdb; peak memory under 3 GB.

    python -m benchmarks.bench_import                       # 10M orders, 3 runs
    python -m benchmarks.bench_import --orders 20000 --runs 1   # smoke size
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks._common import (
    DATA_DIR,
    Series,
    check,
    data_file,
    fmt_bytes,
    fmt_seconds,
    machine,
    python,
    run_timed,
)

PEAK_TARGET = 3 * 10**9


def duckdb_load(workspace: str, csv: str) -> int:
    """DuckDB's own CSV reader into a table of a new database file; returns the rows."""
    import duckdb

    con = duckdb.connect(workspace)
    con.execute("create table orders as select * from read_csv($path)", {"path": csv})
    rows = con.execute("select count(*) from orders").fetchall()[0][0]
    con.close()
    return rows


def commands(csv: Path, workspace: Path) -> dict[str, list[str]]:
    return {
        "ingest": [python(), "-m", "retention_core", "ingest", "--workspace", str(workspace),
                   "--orders", str(csv), "--json"],
        "duckdb": [python(), "-m", "benchmarks.bench_import", "duckdb", str(workspace),
                   str(csv)],
    }


def _fresh(workspace: Path) -> None:
    for suffix in ("", ".wal"):
        Path(f"{workspace}{suffix}").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["duckdb"]:
        print(duckdb_load(argv[1], argv[2]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)

    csv = data_file("orders", args.orders, "csv", args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp) / "bench.duckdb"
        cmds = commands(csv, workspace)
        series = {name: Series(name) for name in cmds}
        for name, cmd in cmds.items():  # warm the page cache, untimed
            _fresh(workspace)
            check(run_timed(cmd), name)
        for _ in range(args.runs):
            for name, cmd in cmds.items():
                _fresh(workspace)
                series[name].runs.append(check(run_timed(cmd), name))
        _fresh(workspace)
    print(f"import {args.orders:,}-row orders CSV ({csv.stat().st_size / 2**20:,.0f} MiB) into "
          f"a new workspace file, median of {args.runs} alternating runs; {machine()}")
    for name, s in series.items():
        print(f"  {name:<7} {fmt_seconds(s.median):>9}  peak {fmt_bytes(s.peak_bytes):>9}  "
              f"runs: {', '.join(f'{x:.2f}' for x in s.seconds)}")
    ratio = series["ingest"].median / series["duckdb"].median
    peak = series["ingest"].peak_bytes
    print(f"  ingest / duckdb = {ratio:.2f} (target <= 1.50) {'PASS' if ratio <= 1.5 else 'FAIL'}")
    print(f"  ingest peak = {fmt_bytes(peak)} (target < 3 GB) "
          f"{'PASS' if peak < PEAK_TARGET else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
