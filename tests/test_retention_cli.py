"""`retention` command: SPEC.md's JSON, the same numbers as the page's function, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from test_retention import ORDERS
from testkit import ROOT

from retention_core.cli import main
from retention_core.filters import Filters
from retention_core.metrics.retention import compute_cohort_table
from retention_core.workspace import Workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("retention_cli") / "ws.duckdb"
    Workspace.from_frames(path=path, orders=ORDERS).close()
    return path


def _json(capsys, *args):
    code = main(["retention", *args, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert len(out.strip().splitlines()) == 1  # one JSON object
    return json.loads(out)


def _expected(path, period, unbounded=False, as_of=None):
    with Workspace(path, read_only=True) as ws:
        table = compute_cohort_table(ws.cursor(), Filters(), period, unbounded, as_of)
    return [{"cohort": r["cohort"].isoformat(), "size": r["cohort_size"],
             "period_index": r["period_index"], "retained": r["retained"], "rate": r["rate"]}
            for r in table.iter_rows(named=True)]


@pytest.mark.parametrize("period", ["week", "month", "quarter"])
@pytest.mark.parametrize("unbounded", [False, True])
def test_json_equals_the_page_function(capsys, workspace, period, unbounded):
    args = ["--workspace", str(workspace), "--period", period] + (["--unbounded"] if unbounded else [])
    payload = _json(capsys, *args)
    assert payload["period"] == period
    rows = [{k: row[k] for k in ("cohort", "size", "period_index", "retained", "rate")}
            for row in payload["rows"]]
    assert rows == _expected(workspace, period, unbounded)


def test_json_hand_numbers(capsys, workspace):
    # the tiny shop of test_retention.py: January cohort (a, b) 2, 0, 1, 1 (April partial)
    payload = _json(capsys, "--workspace", str(workspace))
    assert payload["period"] == "month" and payload["as_of"] == "2026-04-08"
    january = [r for r in payload["rows"] if r["cohort"] == "2026-01-01"]
    assert [(r["size"], r["period_index"], r["retained"], r["rate"], r["is_partial"])
            for r in january] == [(2, 0, 2, 1.0, False), (2, 1, 0, 0.0, False),
                                  (2, 2, 1, 0.5, False), (2, 3, 1, 0.5, True)]


def test_as_of(capsys, workspace):
    payload = _json(capsys, "--workspace", str(workspace), "--as-of", "2026-02-28")
    assert payload["as_of"] == "2026-02-28"
    assert [(r["cohort"], r["period_index"]) for r in payload["rows"]] == [
        ("2026-01-01", 0), ("2026-01-01", 1), ("2026-02-01", 0)]
    rows = [{k: row[k] for k in ("cohort", "size", "period_index", "retained", "rate")}
            for row in payload["rows"]]
    assert rows == _expected(workspace, "month", as_of=date(2026, 2, 28))


def test_text_table(capsys, workspace):
    assert main(["retention", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cohort retention by month (bounded), as of 2026-04-08")
    # January: 100, 0, 50, 50 (the last one in progress, starred)
    assert out[2].split() == ["2026-01-01", "2", "100.0", "0.0", "50.0", "50.0*"]


def test_reads_an_orders_file(tmp_path):
    # a, b in January; a again in February; c in February (cancelled -> not a customer)
    csv = tmp_path / "orders.csv"
    csv.write_text("order_id,customer_id,ordered_at,revenue,status\n"
                   "1,a,2026-01-05,10,paid\n2,b,2026-01-06,10,paid\n"
                   "3,a,2026-02-05,10,paid\n4,c,2026-02-28,10,cancelled\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "retention_core", "retention", "--orders",
                           str(csv), "--json"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    payload = json.loads(proc.stdout)
    # as of Feb 5 (the last kept order): January cohort 2, February 1 of 2 (partial)
    assert [(r["cohort"], r["size"], r["period_index"], r["retained"], r["is_partial"])
            for r in payload["rows"]] == [("2026-01-01", 2, 0, 2, False),
                                          ("2026-01-01", 2, 1, 1, True)]


@pytest.mark.parametrize("args", [
    ["--period", "year"],
    ["--as-of", "2026-13-01"],
    ["--workspace", "/nonexistent/ws.duckdb"],
    ["--orders", "/nonexistent/orders.csv"],
    [],  # no data at all
])
def test_bad_input_exits_2_with_one_line(args, workspace):
    if args and args[0] in ("--period", "--as-of"):
        args = ["--workspace", str(workspace), *args]
    proc = subprocess.run([sys.executable, "-m", "retention_core", "retention", *args, "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == ""
