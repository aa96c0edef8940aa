"""Cold path: the ``retention`` CLI on a Parquet file vs bare DuckDB vs pandas (issue 9).

Three fresh processes compute the same monthly cohort table from the same file:

- ``cli``:    ``python -m retention_core retention --orders FILE --period month --json``
- ``duckdb``: ``python -m benchmarks.reference_cohorts duckdb FILE`` (one minimal query)
- ``pandas``: ``python -m benchmarks.reference_cohorts pandas FILE`` (vectorised analyst code)

First the three are run on a small generated file and their tables compared cell by cell
(they must be identical); then each is timed ``--runs`` times, alternating (cli, duckdb,
pandas, cli, ...), after one untimed warm-up each; medians are reported.

Targets: cli <= 1.3 x duckdb; pandas >= 3 x cli.

    python -m benchmarks.bench_cold_retention                    # 5M orders, 5 runs
    python -m benchmarks.bench_cold_retention --orders 20000 --runs 1   # smoke size
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

from benchmarks._common import (
    DATA_DIR,
    alternate,
    check,
    data_file,
    fmt_bytes,
    fmt_seconds,
    machine,
    python,
    run_timed,
)

KEYS = ("cohort", "size", "period_index", "retained", "rate")


def commands(path: Path, fmt: str = "parquet") -> dict[str, list[str]]:
    """The three command lines, by name."""
    return {
        "cli": [python(), "-m", "retention_core", "retention", "--orders", str(path),
                "--period", "month", "--json"],
        "duckdb": [python(), "-m", "benchmarks.reference_cohorts", "duckdb", str(path)],
        "pandas": [python(), "-m", "benchmarks.reference_cohorts", "pandas", str(path)],
    }


def table_of(stdout: str) -> list[tuple]:
    """The rows of a JSON answer as comparable tuples (rates rounded to 12 digits)."""
    rows = json.loads(stdout)["rows"]
    return [tuple(round(r[k], 12) if k == "rate" else r[k] for k in KEYS) for r in rows]


def verify(orders: int, seed_dir: Path | None = None) -> int:
    """Run the three on a small generated file; raise SystemExit if their tables differ.

    Returns the number of cells compared.
    """
    from benchmarks.generate import Sizes, generate

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(seed_dir or tmp)
        path = generate(Sizes.for_orders(orders), out, formats=("parquet",),
                        kinds=("orders",))["orders"][0]
        tables = {name: table_of(check(run_timed(cmd), name).stdout)
                  for name, cmd in commands(path).items()}
    reference = tables["cli"]
    for name, table in tables.items():
        if table != reference:
            diff = next((a, b) for a, b in zip(reference, table, strict=False) if a != b) \
                if len(table) == len(reference) else (len(reference), len(table))
            sys.stderr.write(f"{name} differs from the CLI: {diff}\n")
            raise SystemExit(1)
    if not reference or not math.isclose(reference[0][4], 1.0):
        raise SystemExit("the verification table is empty or wrong at k = 0")
    return len(reference)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=5_000_000,
                   help="size of the timed file (generated into benchmarks/data if missing)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--verify-orders", type=lambda s: int(s.replace("_", "")), default=20_000)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--skip-pandas", action="store_true")
    args = p.parse_args(argv)

    cells = verify(args.verify_orders)
    print(f"verified: cli, duckdb and pandas give the same {cells:,} cells on "
          f"{args.verify_orders:,} orders")
    path = data_file("orders", args.orders, "parquet", args.data_dir)
    cmds = commands(path)
    if args.skip_pandas:
        cmds.pop("pandas")
    series = alternate(cmds, args.runs)
    print(f"cold retention, monthly cohorts, {args.orders:,} orders ({path.name}), "
          f"median of {args.runs} alternating runs; {machine()}")
    for name, s in series.items():
        print(f"  {name:<7} {fmt_seconds(s.median):>9}  peak {fmt_bytes(s.peak_bytes):>9}  "
              f"runs: {', '.join(f'{x:.2f}' for x in s.seconds)}")
    cli, duck = series["cli"].median, series["duckdb"].median
    ok = cli <= 1.3 * duck
    print(f"  cli / duckdb = {cli / duck:.2f} (target <= 1.30) {'PASS' if ok else 'FAIL'}")
    if "pandas" in series:
        speedup = series["pandas"].median / cli
        print(f"  pandas / cli = {speedup:.2f} (target >= 3.0) "
              f"{'PASS' if speedup >= 3 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
