"""The CLI contract shared by every command: exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys

from testkit import ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "retention_core", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_demo_writes_files(tmp_path):
    proc = _run("demo", "--out", str(tmp_path), "--customers", "30", "--seed", "2")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "orders.csv").exists()


def test_usage_errors_exit_2_with_one_line():
    for args in (["nope"], ["demo"], ["demo", "--out", "x", "--customers", "0"],
                 ["demo", "--out", "x", "--customers", "many"]):
        proc = _run(*args)
        assert proc.returncode == 2, args
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
