"""`python -m retention_core ingest`: exit codes, idempotency, JSON, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from retention_core.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retention_core", "ingest", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_ingest_twice_reports_nothing_new(tmp_path):
    ws = tmp_path / "ws.duckdb"
    first = _run("--workspace", str(ws), "--orders", str(DATA / "shopify_orders_small.csv"),
                 "--json")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["imports"][0]["new"] == 7
    assert out["imports"][0]["report"]["kept"] == 4
    second = _run("--workspace", str(ws), "--orders", str(DATA / "shopify_orders_small.csv"),
                  "--json")
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)["imports"][0]
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 7)
    with Workspace(ws, read_only=True) as w:
        assert w.counts()["orders"] == 7


def test_ingest_text_report_and_several_kinds(tmp_path):
    ws = tmp_path / "ws.duckdb"
    rejected = tmp_path / "rejected.csv"
    proc = _run("--workspace", str(ws), "--orders", str(DATA / "online_retail_small.csv"),
                "--surveys", str(DATA / "nps_benavent_small.csv"),
                "--events", str(DATA / "ga4_events_small.csv"),
                "--rejected-out", str(rejected))
    assert proc.returncode == 0, proc.stderr
    assert "orders kept: 4" in proc.stdout
    assert "answers rejected (not imported): 1" in proc.stdout
    assert "workspace now holds 5 orders, 4 surveys, 9 events" in proc.stdout
    text = rejected.read_text(encoding="utf-8-sig")
    assert "cancelled" in text and "no answer (blank or NA score)" in text


def test_ingest_map_preset_stage_map_survey(tmp_path):
    ws = tmp_path / "ws.duckdb"
    log = tmp_path / "log.csv"
    log.write_text("uid,what,when\n1,1,2014-12-06 02\n1,4,2014-12-06 05\n")
    proc = _run("--workspace", str(ws), "--events", str(log), "--map", "customer_id=uid",
                "--map", "raw_event=what", "--map", "event_at=when",
                "--stage-map", "1=view", "--stage-map", "4=purchase", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["imports"][0]["report"]
    assert report["events_by_stage"] == {"purchase": 1, "view": 1}
    answers = tmp_path / "csat.csv"
    answers.write_text("customer,rating\na,5\nb,2\n")
    proc = _run("--workspace", str(ws), "--surveys", str(answers), "--survey", "csat", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imports"][0]["report"]["answers_by_survey"] == {"csat": 2}


@pytest.mark.parametrize(("args", "message"), [
    (["--orders", "tests/data/shopify_orders_small.csv"], "needs --workspace PATH"),
    (["--workspace", "{ws}"], "nothing to import"),
    (["--workspace", "{ws}", "--orders", "no/such/file.csv"], "no such file"),
    (["--workspace", "{ws}", "--orders", "tests/data/nps_benavent_small.csv"],
     "this looks like survey answers, not orders: pass it with --surveys"),
    (["--workspace", "{ws}", "--orders", "tests/data/shopify_orders_small.csv", "--map", "x=y"],
     "'x' is not a field of orders"),
    (["--workspace", "{ws}", "--orders", "tests/data/shopify_orders_small.csv",
      "--map", "revenue=Amount"], "the file has no column 'Amount'"),
    (["--workspace", "{ws}", "--orders", "tests/data/shopify_orders_small.csv", "--map", "oops"],
     "--map expects NAME=VALUE"),
    (["--workspace", "{ws}", "--orders", "tests/data/shopify_orders_small.csv",
      "--preset", "magento"], "unknown preset 'magento'"),
    (["--workspace", "{ws}", "--events", "tests/data/ga4_events_small.csv",
      "--stage-map", "scroll=bounce"], "'bounce' is not a funnel stage"),
    (["--workspace", "{ws}", "--surveys", "tests/data/nps_miro_small.csv", "--survey", "ces"],
     "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    ws = tmp_path / "ws.duckdb"
    proc = _run(*[a.replace("{ws}", str(ws)) for a in args])
    assert message in _one_line_error(proc)


def test_a_bad_file_writes_nothing(tmp_path):
    ws = tmp_path / "ws.duckdb"
    assert _run("--workspace", str(ws), "--orders", str(DATA / "shopify_orders_small.csv")
                ).returncode == 0
    with Workspace(ws, read_only=True) as w:
        version = w.version
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\xff" * 500)
    proc = _run("--workspace", str(ws), "--orders", str(DATA / "online_retail_small.csv"),
                "--orders", str(bad), "--surveys", str(DATA / "nps_benavent_small.csv"))
    assert "binary data" in _one_line_error(proc)
    with Workspace(ws, read_only=True) as w:
        assert w.version == version
        assert w.counts() == {"orders": 7, "surveys": 0, "events": 0}
