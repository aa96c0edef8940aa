"""Fit time and peak memory of BG/NBD + Gamma-Gamma on simulated customers (issues 4 and 9).

Each size runs in a fresh child process. The child simulates an RFM summary from the models
(two years of history, times in whole days then weeks, as the SQL summary produces them),
then measures:

- ``fit``: BG/NBD + Gamma-Gamma maximum-likelihood fit, wall seconds (best of ``--repeat``);
- ``predict``: P(alive), expected purchases and 12-month discounted CLV for every customer;
- ``fit_peak``: peak memory allocated during one fit (tracemalloc; NumPy reports to it);
- ``max_rss``: the child's peak resident memory (simulation included).

Target (issue 9): BG/NBD + Gamma-Gamma on 1M customers in under 10 s.

    python -m benchmarks.bench_clv                      # 100k and 1M customers
    python -m benchmarks.bench_clv --sizes 20000 --repeat 1   # smoke size
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BGNBD = {"r": 0.5, "alpha": 40.0, "a": 0.8, "b": 2.5}  # time unit: day
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 15.0}
HISTORY_DAYS = 730


def simulate(customers: int, seed: int) -> tuple[np.ndarray, ...]:
    """(frequency, recency, T, monetary_value) in weeks, from whole days like the SQL."""
    from retention_core.models import simulate_bgnbd, simulate_gamma_gamma

    rng = np.random.default_rng(seed)
    t_days = rng.integers(0, HISTORY_DAYS, customers).astype(float)
    x, t_x = simulate_bgnbd(BGNBD, t_days, rng)
    recency_days = np.minimum(np.round(t_x), t_days)
    monetary = simulate_gamma_gamma(GAMMA_GAMMA, x, rng)
    return x, recency_days / 7.0, t_days / 7.0, monetary


def fit(x, t_x, T, monetary):
    from retention_core.models import BGNBDModel, GammaGammaModel

    return BGNBDModel().fit(x, t_x, T), GammaGammaModel().fit(x, monetary)


def child(customers: int, seed: int, repeat: int) -> dict:
    from retention_core.models import predict_clv

    data = simulate(customers, seed)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        bgnbd, gamma_gamma = fit(*data)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    x, t_x, T, monetary = data
    bgnbd.probability_alive(x, t_x, T)
    bgnbd.expected_purchases(52.0, x, t_x, T)
    predict_clv(bgnbd, gamma_gamma, x, t_x, T, monetary, time_unit="week", horizon_months=12,
                discount_rate=0.01)
    predict_seconds = time.perf_counter() - started
    tracemalloc.start()
    fit(*data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "customers": customers,
        "distinct_rows": bgnbd.distinct_,
        "repeat_buyers": gamma_gamma.customers_,
        "fit_seconds": min(times),
        "fit_seconds_all": times,
        "predict_seconds": predict_seconds,
        "fit_peak_mib": peak / 2**20,
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bgnbd": bgnbd.params_,
        "gamma_gamma": gamma_gamma.params_,
    }


def machine() -> str:
    """The shared machine line (benchmarks/_common.py) plus the libraries the fit uses."""
    import scipy

    from benchmarks._common import machine as common_machine

    return f"{common_machine()}, NumPy {np.__version__}, SciPy {scipy.__version__}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="timed fits per size (best kept)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.seed, args.repeat)))
        return 0
    print(f"# bench_clv: {machine()}")
    print(f"{'customers':>10} {'distinct':>9} {'fit s':>7} {'predict s':>9} "
          f"{'fit peak MiB':>12} {'max RSS MiB':>11}  parameters")
    for size in args.sizes:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_clv", "--child", str(size),
                               "--seed", str(args.seed), "--repeat", str(args.repeat)],
                              cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            return 1
        r = json.loads(proc.stdout)
        params = ", ".join(f"{k}={v:.3g}" for k, v in {**r["bgnbd"], **r["gamma_gamma"]}.items())
        print(f"{r['customers']:>10,} {r['distinct_rows']:>9,} {r['fit_seconds']:>7.2f} "
              f"{r['predict_seconds']:>9.2f} {r['fit_peak_mib']:>12.0f} {r['max_rss_mib']:>11.0f}"
              f"  {params}")
        if r["customers"] >= 1_000_000:
            verdict = "meets" if r["fit_seconds"] < 10 else "MISSES"
            print(f"# 1M-customer target (fit < 10 s): {verdict}")
    print(f"# simulated with BG/NBD {BGNBD} (per day), Gamma-Gamma {GAMMA_GAMMA}; "
          f"fit = BG/NBD + Gamma-Gamma, best of {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
