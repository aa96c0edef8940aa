"""The `clv` command: the JSON contract of SPEC.md and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from test_clv import simulated_orders
from testkit import ROOT

from retention_core.filters import Filters
from retention_core.metrics.clv import validate_clv_model
from retention_core.workspace import Workspace


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retention_core", "clv", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory):
    frame = simulated_orders(customers=1000, seed=4)
    path = tmp_path_factory.mktemp("clv_cli") / "orders.csv"
    frame.write_csv(path)
    return path, frame


def test_json_contract(orders_csv):
    path, frame = orders_csv
    proc = _run("--orders", str(path), "--calibration-end", "2025-12-31", "--time-unit", "day",
                "--horizon-months", "6", "--discount-rate", "0.02", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"time_unit", "calibration_end", "customers", "bgnbd", "gamma_gamma",
            "holdout"} <= set(out)
    assert set(out["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(out["gamma_gamma"]) == {"p", "q", "v"}
    assert out["time_unit"] == "day" and out["calibration_end"] == "2025-12-31"
    with Workspace.from_frames(orders=frame) as ws:
        expected = validate_clv_model(ws.cursor(), Filters(), date(2025, 12, 31), "day",
                                      horizon_months=6, discount_rate=0.02)
    assert out["customers"] == expected["customers"]
    assert out["bgnbd"] == pytest.approx(expected["bgnbd"], rel=1e-6)
    assert out["gamma_gamma"] == pytest.approx(expected["gamma_gamma"], rel=1e-6)
    holdout = out["holdout"]
    assert holdout["start"] == "2026-01-01" and holdout["end"] == "2026-06-24"
    for key in ("days", "actual_repeat_purchases", "predicted_repeat_purchases", "error",
                "mae", "rmse", "actual_revenue", "predicted_revenue"):
        assert holdout[key] == pytest.approx(expected["holdout"][key], rel=1e-6), key
    assert sum(row["customers"] for row in holdout["by_frequency"]) == out["customers"]
    assert out["clv"]["horizon_months"] == 6 and out["clv"]["discount_rate"] == 0.02
    assert out["notes"] == expected["notes"]


def test_no_holdout_and_plain_text(orders_csv):
    path, _ = orders_csv
    proc = _run("--orders", str(path), "--calibration-end", "2026-06-24", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["holdout"]["days"] == 0
    text = _run("--orders", str(path), "--calibration-end", "2025-12-31")
    assert text.returncode == 0, text.stderr
    assert "BG/NBD" in text.stdout and "holdout" in text.stdout


@pytest.mark.parametrize("args, message", [
    (["--calibration-end", "2025-31-12"], "expects a date"),
    (["--calibration-end", "2025-01-05"], "holds only"),
    (["--calibration-end", "2025-12-31", "--time-unit", "year"], "invalid choice"),
    (["--calibration-end", "2025-12-31", "--horizon-months", "0"], "between 1 and 120"),
    (["--calibration-end", "2025-12-31", "--discount-rate", "ten"], "expects a number"),
    (["--calibration-end", "2025-12-31", "--discount-rate", "1.5"], "monthly rate"),
])
def test_bad_input_exits_2_with_one_line(orders_csv, args, message):
    path, _ = orders_csv
    proc = _run("--orders", str(path), *args, "--json")
    assert proc.returncode == 2, proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_model_error_exits_2(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("order_id,customer_id,ordered_at,revenue\n"
                    "1,a,2026-01-01,10\n2,a,2026-02-01,12\n3,b,2026-01-15,30\n"
                    "4,c,2026-03-20,8\n")
    proc = _run("--orders", str(path), "--calibration-end", "2026-03-01", "--json")
    assert proc.returncode == 2
    assert "at least 30 customers" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
