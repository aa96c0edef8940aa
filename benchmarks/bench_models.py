"""Model fit on a realistic summary: BG/NBD + Gamma-Gamma on 1M customers (issue 9).

``bench_clv.py`` (the CLV models' own benchmark) fits summaries simulated from the models.
This one fits the RFM summary of the generated shop data (``generate.py``: 5M orders,
1M customers, ~60% one-time buyers, lifetimes of a few years), as the Customer value page
and the ``clv`` command do:

1. a workspace with the orders is built (``build_workspace.py``), then, in a fresh
   process each run,
2. ``compute_rfm_summary`` (SQL, weeks, calibration end = the last order day) is timed,
3. ``fit_clv_models`` (BG/NBD on every customer, Gamma-Gamma on the repeat buyers) is
   timed; the peak RSS of the process is reported.

Target: the fit on 1M customers under 10 s (median of ``--runs``).

    python -m benchmarks.bench_models                      # 5M orders = 1M customers
    python -m benchmarks.bench_models --orders 20000 --runs 1   # smoke size
    python -m benchmarks.bench_models --simulated          # also run bench_clv (1M simulated)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, check, fmt_bytes, fmt_seconds, machine, python, run_timed

FIT_TARGET = 10.0


def child(workspace: str) -> dict:
    """Summary + fit in this process; the figures as a dict."""
    from retention_core.filters import Filters
    from retention_core.metrics.clv import compute_rfm_summary, fit_clv_models
    from retention_core.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        started = time.perf_counter()
        summary = compute_rfm_summary(ws.cursor(), Filters(), time_unit="week")
        summary_seconds = time.perf_counter() - started
    started = time.perf_counter()
    bgnbd, gamma_gamma = fit_clv_models(summary)
    fit_seconds = time.perf_counter() - started
    return {"customers": summary.height, "repeat_buyers": int((summary["frequency"] > 0).sum()),
            "summary_seconds": summary_seconds, "fit_seconds": fit_seconds,
            "bgnbd": bgnbd.params_, "gamma_gamma": gamma_gamma.params_}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        print(json.dumps(child(argv[1])))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=5_000_000,
                   help="generated orders (customers = orders / 5)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--simulated", action="store_true",
                   help="also run benchmarks.bench_clv on 1M simulated customers")
    args = p.parse_args(argv)

    from benchmarks.build_workspace import build_workspace

    workspace = build_workspace(args.orders, args.data_dir)
    runs = [check(run_timed([python(), "-m", "benchmarks.bench_models", "child",
                             str(workspace)]), "fit") for _ in range(args.runs)]
    results = [json.loads(r.stdout) for r in runs]
    fit = statistics.median(r["fit_seconds"] for r in results)
    summary = statistics.median(r["summary_seconds"] for r in results)
    first = results[0]
    print(f"BG/NBD + Gamma-Gamma on the generated shop ({args.orders:,} orders), median of "
          f"{args.runs} fresh processes; {machine()}")
    print(f"  customers {first['customers']:,} (repeat buyers {first['repeat_buyers']:,})")
    print(f"  RFM summary (SQL) {fmt_seconds(summary):>9}")
    each = ", ".join(f"{r['fit_seconds']:.2f}" for r in results)
    print(f"  fit               {fmt_seconds(fit):>9}  runs: {each}")
    print(f"  peak RSS          {fmt_bytes(max(r.peak_bytes for r in runs)):>9}")
    params = {**first["bgnbd"], **first["gamma_gamma"]}
    print("  parameters: " + ", ".join(f"{k}={v:.3g}" for k, v in params.items()))
    verdict = "PASS" if fit < FIT_TARGET else "FAIL"
    print(f"  fit < 10 s on {first['customers']:,} customers: {verdict}")
    if args.simulated:
        sim = check(run_timed([python(), "-m", "benchmarks.bench_clv", "--sizes", "1000000",
                               "--repeat", "3"]), "bench_clv")
        print(sim.stdout.rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
