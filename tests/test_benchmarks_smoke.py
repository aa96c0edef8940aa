"""Every benchmark script runs on a tiny data set and prints its figures (no timing asserted).

The scripts are what ``benchmarks/README.md`` quotes; this keeps them runnable as the code
under them changes. Data go to a temporary folder, never to ``benchmarks/data``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
FIGURE = r"\d+(\.\d+)? (ms|s)"


def _run(*args: str, timeout: int = 600) -> str:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_generate_writes_seeded_realistic_files(tmp_path):
    out = _run("benchmarks.generate", "--orders", "5000", "--out", str(tmp_path))
    assert "orders_5000.parquet" in out and "events_5000.csv" in out
    orders = pl.read_parquet(tmp_path / "orders_5000.parquet")
    assert orders.height == 5000
    assert orders.get_column("order_id").n_unique() == 5000
    per_customer = orders.drop_nulls("customer_id").group_by("customer_id").len()
    assert per_customer.height <= 1000
    one_timers = (per_customer.get_column("len") == 1).mean()
    assert 0.5 < one_timers < 0.8  # SPEC: "more than 60% of customers buy only once"
    csv = pl.read_csv(tmp_path / "orders_5000.csv", try_parse_dates=True)
    assert csv.height == 5000 and csv.columns == orders.columns
    again = tmp_path / "again"
    _run("benchmarks.generate", "--orders", "5000", "--out", str(again), "--kinds", "orders",
         "--formats", "parquet")
    assert pl.read_parquet(again / "orders_5000.parquet").equals(orders)  # seeded
    events = pl.read_parquet(tmp_path / "events_5000.parquet")
    assert events.height == 5000
    assert set(events.get_column("stage").unique()) <= {"view", "add_to_cart", "checkout",
                                                        "purchase"}


def test_cold_retention_benchmark_verifies_and_prints_three_medians(tmp_path):
    out = _run("benchmarks.bench_cold_retention", "--orders", "3000", "--runs", "1",
               "--verify-orders", "3000", "--data-dir", str(tmp_path))
    assert re.search(r"verified: cli, duckdb and pandas give the same [\d,]+ cells", out)
    for name in ("cli", "duckdb", "pandas"):
        assert re.search(rf"^  {name} +{FIGURE}  peak", out, re.M), out
    assert "cli / duckdb = " in out and "pandas / cli = " in out


def test_import_benchmark_prints_both_times_and_the_peak(tmp_path):
    out = _run("benchmarks.bench_import", "--orders", "3000", "--runs", "1",
               "--data-dir", str(tmp_path))
    for name in ("ingest", "duckdb"):
        assert re.search(rf"^  {name} +{FIGURE}  peak +\d+ MiB", out, re.M), out
    assert "ingest / duckdb = " in out and "ingest peak = " in out


def test_warm_benchmark_prints_every_page(tmp_path):
    from benchmarks.bench_warm import TAB_KEYS

    out = _run("benchmarks.bench_warm", "--orders", "3000", "--variants", "1",
               "--data-dir", str(tmp_path))
    for page in ("1_overview", "2_retention", "3_customer_value", "4_satisfaction",
                 "5_cart_funnel"):
        views = [m.group("tab") or "" for m in re.finditer(
            rf"^  {page}(?P<tab>: \S[^\n]*?)? +\d+ +{FIGURE} +{FIGURE} +{FIGURE} +{FIGURE}",
            out, re.M)]
        if page in TAB_KEYS:  # lazy tabs: one line per tab, each named
            assert len(views) >= 2 and all(views), (page, out)
        else:
            assert views == [""], (page, out)
    assert "targets: core < 300 ms" in out


def test_models_benchmark_fits_the_generated_shop(tmp_path):
    out = _run("benchmarks.bench_models", "--orders", "20000", "--runs", "1",
               "--data-dir", str(tmp_path))
    assert re.search(rf"fit +{FIGURE}", out), out
    assert re.search(r"customers [\d,]+ \(repeat buyers [\d,]+\)", out)
    assert "parameters: r=" in out


def test_derived_benchmark_times_every_builder(tmp_path):
    from retention_core import derived

    out = _run("benchmarks.bench_derived", "--orders", "3000", "--runs", "1",
               "--data-dir", str(tmp_path))
    for builder in derived.builders():
        assert f"  {builder.kind:<7} {', '.join(builder.tables)}" in out, out
    assert len(re.findall(rf"wall +{FIGURE}  cpu +{FIGURE}", out)) == len(derived.builders())


def test_import_update_benchmark_prints_both_times_and_what_changed(tmp_path):
    out = _run("benchmarks.bench_import_update", "--orders", "3000", "--week", "300",
               "--runs", "1", "--data-dir", str(tmp_path))
    for name in ("ingest", "duckdb"):
        assert re.search(rf"^  {name} +{FIGURE}  peak +\d+ MiB", out, re.M), out
    # the week's export: 90 orders stored before that changed, 210 new ones
    assert "(300 rows: 210 new, 90 changed)" in out
    assert "ingest reported 210 new, 90 updated and 0 unchanged orders" in out
    out = _run("benchmarks.bench_import_update", "--orders", "3000", "--week", "300",
               "--runs", "1", "--data-dir", str(tmp_path), "--kind", "events")
    assert "ingest reported 300 new, 0 updated and 0 unchanged events" in out


def test_floors_benchmark_prints_both_floors(tmp_path):
    out = _run("benchmarks.bench_floors", "--cold-orders", "3000", "--import-orders", "3000",
               "--runs", "1", "--data-dir", str(tmp_path))
    for name in ("start", "bare", "ids", "pandas", "duckdb", "read", "store", "derived"):
        assert re.search(rf"^  {name} +{FIGURE}  runs: ", out, re.M), (name, out)
    # the generated file's ids are unique: as many distinct hashes as ids
    assert re.search(r"\(orders_3000\.parquet; ([\d,]+) distinct hashes of \1 order ids\)", out)
    assert re.search(r"floor = bare \+ ids - start = .* x the bare query", out)
    assert re.search(r"floor = read \+ store \+ derived = .* x DuckDB", out)


def test_floors_id_check_sees_a_repeated_order_id(tmp_path):
    from benchmarks.bench_floors import count_ids

    path = tmp_path / "lines.parquet"
    pl.DataFrame({"order_id": ["A1", "A2", "A1", None]}).write_parquet(path)
    assert count_ids(str(path)) == {"rows": 4, "ids": 3, "distinct_ids": 2}


def test_first_visit_benchmark_prints_every_view_both_ways(tmp_path):
    out = _run("benchmarks.bench_first_visit", "--orders", "3000", "--restarts", "1",
               "--data-dir", str(tmp_path))
    recorded = re.search(r"a week of 300 orders imported; (\d+) unfiltered calls recorded, "
                         rf"warmed in {FIGURE}", out)
    assert recorded and int(recorded.group(1)) >= 10, out
    for view in ("1_overview", "2_retention: Cohorts", "3_customer_value: RFM segments",
                 "4_satisfaction: Comments", "5_cart_funnel", "all pages and tabs"):
        assert re.search(rf"^  {re.escape(view)} +{FIGURE} +{FIGURE} +{FIGURE}$", out, re.M), \
            (view, out)
    for label in ("prewarm off", "prewarm on"):
        assert re.search(rf"^  {label} +{FIGURE}, {FIGURE}, {FIGURE}$", out, re.M), (label, out)
