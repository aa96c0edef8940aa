"""Benchmark the cart funnel over a large event log: time and peak memory.

Generates ``--events`` funnel events (default 10M) with numpy/polars into a Parquet
file, loads them into a temporary DuckDB workspace and builds the events' derived tables
(as an import does; timed apart), then runs the funnel queries in a
fresh subprocess and reports each one's wall time and the subprocess's peak resident
memory (``resource.getrusage``: what the queries cost, not the generator).

The log is built to make the funnel work: sessions with several views, carts added
more than once, events recorded out of order, purchases days after the cart (outside
the 7-day window), about 8% raw events with no funnel stage, and customers with
several sessions.

Usage::

    python benchmarks/bench_funnel.py                 # 10M events
    python benchmarks/bench_funnel.py --events 200000 # a quick run
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2025, 1, 1)
DAYS = 365
DEVICES = np.array(["desktop", "mobile", "tablet"])
SOURCES = np.array(["organic", "paid_search", "email", "social", "referral"])
STAGES = np.array(["view", "add_to_cart", "checkout", "purchase", None], dtype=object)


def generate_events(n: int, seed: int = 7) -> pl.DataFrame:
    """``n`` events of about ``n / 4.3`` sessions (see the module docstring)."""
    rng = np.random.default_rng(seed)
    sessions = n // 4 + 10  # about 4.3 events each; the log is cut at n
    device = rng.choice(3, sessions, p=[0.46, 0.44, 0.10])
    mobile = device == 1
    u = rng.random(sessions)
    depth = (u < np.where(mobile, 0.30, 0.38)).astype(np.int64)
    depth += (depth == 1) & (rng.random(sessions) < np.where(mobile, 0.45, 0.6))
    depth += (depth == 2) & (rng.random(sessions) < np.where(mobile, 0.55, 0.7))
    # events per session and stage: 1 + Poisson(2) views, carts may repeat, noise events
    counts = np.stack([
        1 + rng.poisson(2.0, sessions),
        (depth >= 1) * (1 + rng.poisson(0.4, sessions)),
        (depth >= 2).astype(np.int64),
        (depth >= 3).astype(np.int64),
        rng.poisson(0.45, sessions),
    ], axis=1)
    per_session = counts.sum(axis=1)
    session = np.repeat(np.arange(sessions), per_session)
    stage = np.repeat(np.tile(np.arange(5), sessions), counts.ravel())
    total = stage.size
    start = rng.random(sessions) * DAYS * 86400
    # stage k happens about k x 12 minutes in, with jitter that puts some out of order
    offset = stage * 720.0 + rng.exponential(600, total) - 300
    offset[stage == 4] = rng.random(int((stage == 4).sum())) * 3600
    late = (stage == 3) & (rng.random(total) < 0.05)
    offset[late] += rng.uniform(5, 15, int(late.sum())) * 86400
    seconds = np.maximum(start[session] + offset, 0)
    known = rng.random(sessions) < 0.4
    customer = rng.integers(0, max(1, sessions // 3), sessions)
    value = np.where((stage == 1) | (stage == 2), np.round(rng.lognormal(3.8, 0.6, total), 2),
                     np.nan)
    frame = pl.DataFrame({
        "session": session,
        "customer": pl.Series(np.where(known[session], customer[session], -1)),
        "event_at": (np.datetime64(START, "us")
                     + (seconds * 1e6).astype("timedelta64[us]")),
        "stage": pl.Series(STAGES[stage], dtype=pl.String),
        "device": pl.Series(DEVICES[device[session]]),
        "source": pl.Series(SOURCES[rng.integers(0, 5, sessions)][session]),
        "value": value,
    }).head(n)
    if frame.height < n:
        raise RuntimeError(f"generated {frame.height} events, fewer than {n}")
    return frame.with_columns(pl.col("value").fill_nan(None),
                              pl.when(pl.col("customer") >= 0).then(pl.col("customer")))


LOAD_SQL = """
insert into events (event_id, session_id, customer_id, event_at, stage, raw_event,
                    device, source, value)
select
    cast(row_number() over () as varchar),
    's' || session,
    'c' || customer,
    event_at,
    stage,
    coalesce(stage, 'scroll'),
    device,
    source,
    value
from read_parquet($path)
"""


def build(n: int, folder: Path) -> dict[str, float]:
    """Generate the log and load it into ``folder/ws.duckdb``; returns timings."""
    from retention_core import derived
    from retention_core.workspace import Workspace

    t0 = time.perf_counter()
    frame = generate_events(n)
    parquet = folder / "events.parquet"
    frame.write_parquet(parquet)
    del frame
    t1 = time.perf_counter()
    ws = Workspace(folder / "ws.duckdb")
    with ws.transaction() as cur:
        cur.execute(LOAD_SQL, {"path": str(parquet)})
        t2 = time.perf_counter()
        # what an import does after storing events: rebuild their derived tables
        derived.refresh(cur, ["events"])
    ws.close()
    t3 = time.perf_counter()
    return {"generate_s": t1 - t0, "load_s": t2 - t1, "derive_s": t3 - t2}


def child(path: str, window: float) -> None:
    """Run the funnel queries on the workspace at ``path``; print one JSON line."""
    from retention_core.filters import Filters
    from retention_core.metrics import funnel
    from retention_core.workspace import Workspace

    ws = Workspace(path, read_only=True)
    con = ws.cursor()
    out: dict[str, float | int] = {"events": ws.counts()["events"]}
    runs = [
        ("funnel_session_s", funnel.compute_funnel, {"unit": "session"}),
        ("cart_abandonment_s", funnel.compute_cart_abandonment, {}),
        ("weekly_abandonment_s", funnel.compute_weekly_cart_abandonment, {}),
        ("funnel_customer_s", funnel.compute_funnel, {"unit": "customer"}),
        ("abandoned_carts_s", funnel.compute_abandoned_carts, {}),
        ("page_report_s", funnel.compute_funnel_report, {}),
    ]
    for name, fn, kwargs in runs:
        t = time.perf_counter()
        result = fn(con, Filters(), window_days=window, **kwargs)
        out[name] = time.perf_counter() - t
        if name == "funnel_session_s":
            out["units_per_step"] = result["units"].to_list()
        if name == "cart_abandonment_s":
            out["cart_abandonment_rate"] = result
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps(out) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--window-days", type=float, default=7.0)
    p.add_argument("--child", metavar="WORKSPACE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.window_days)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_funnel_") as tmp:
        folder = Path(tmp)
        timings = build(args.events, folder)
        print(f"events requested            {args.events:,}")
        print(f"generate + parquet          {timings['generate_s']:.1f} s")
        print(f"load into DuckDB            {timings['load_s']:.1f} s")
        print(f"derived tables (builders)   {timings['derive_s']:.1f} s")
        run = subprocess.run([sys.executable, __file__, "--child", str(folder / "ws.duckdb"),
                              "--window-days", str(args.window_days)],
                             capture_output=True, text=True, check=False)
        if run.returncode:
            sys.stderr.write(run.stderr)
            return run.returncode
        result = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"events stored               {result['events']:,}")
    print(f"units per step              {result['units_per_step']}")
    print(f"cart abandonment            {result['cart_abandonment_rate']:.4f}")
    for key, label in (("funnel_session_s", "funnel (sessions)"),
                       ("cart_abandonment_s", "cart abandonment"),
                       ("weekly_abandonment_s", "weekly abandonment"),
                       ("funnel_customer_s", "funnel (customers)"),
                       ("abandoned_carts_s", "abandoned carts + recovery"),
                       ("page_report_s", "whole page (one pass)")):
        print(f"{label:<27} {result[key]:.2f} s")
    print(f"peak memory (queries)       {result['peak_rss_mb']:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
