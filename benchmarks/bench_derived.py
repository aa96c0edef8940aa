"""What the derived tables cost to build (issue 9): the price every import pays for the
warm path.

Each builder of ``retention_core/derived`` runs on the workspace built for ``--orders``
(``build_workspace.py``), inside a transaction that is rolled back, so the file is left
as it was. Wall and CPU seconds per builder, median of ``--runs``::

    python -m benchmarks.bench_derived --runs 3          # 10M orders, 10M events
    python -m benchmarks.bench_derived --orders 20000 --runs 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, fmt_seconds, machine


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)

    from benchmarks.build_workspace import build_workspace
    from retention_core import derived
    from retention_core.workspace import Workspace

    path = build_workspace(args.orders, args.data_dir)
    with Workspace(path) as ws:
        counts = ws.counts()
        cur = ws.cursor()
        print(f"derived tables, workspace of {counts['orders']:,} orders, "
              f"{counts['events']:,} events, median of {args.runs} (rolled back); {machine()}")
        for builder in derived.builders():
            walls, cpus = [], []
            for _ in range(args.runs):
                cur.execute("begin transaction")
                wall, cpu = time.perf_counter(), time.process_time()
                builder.build(cur)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                cur.execute("rollback")
            print(f"  {builder.kind:<7} {', '.join(builder.tables)}")
            print(f"          wall {fmt_seconds(statistics.median(walls)):>8}  "
                  f"cpu {fmt_seconds(statistics.median(cpus)):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
