"""What the benchmark scripts share: timed subprocesses, alternating runs, medians, and a
description of the machine the figures were taken on."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class Run:
    """One timed subprocess: wall seconds, its peak resident memory, its output."""

    seconds: float
    peak_bytes: int
    stdout: str
    stderr: str
    returncode: int


def run_timed(cmd: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: Path = ROOT) -> Run:
    """Run ``cmd`` and measure it: wall time, and peak RSS from ``wait4`` (this child only).

    ``wait4`` gives the rusage of exactly this child (and its waited-for descendants), the
    per-run equivalent of ``getrusage(RUSAGE_CHILDREN).ru_maxrss``.
    """
    full_env = {**os.environ, **(env or {})}
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_{os.getpid()}_{time.time_ns()}"
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=full_env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    return Run(seconds, usage.ru_maxrss * 1024, stdout, stderr, proc.returncode)


@dataclass
class Series:
    """Repeated runs of one command."""

    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_bytes(self) -> int:
        return max(r.peak_bytes for r in self.runs)


def alternate(commands: Mapping[str, Sequence[str]], runs: int, *,
              env: Mapping[str, str] | None = None, warmup: bool = True) -> dict[str, Series]:
    """Run the commands in turn (a, b, c, a, b, c, ...) ``runs`` times each.

    Alternating spreads the noise of a shared machine over every command instead of
    letting one of them take a busy minute. ``warmup`` runs each once first, untimed (the
    page cache then holds the input file for all of them).
    """
    if warmup:
        for name, cmd in commands.items():
            check(run_timed(cmd, env=env), name)
    out = {name: Series(name) for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            out[name].runs.append(check(run_timed(cmd, env=env), name))
    return out


def check(run: Run, name: str) -> Run:
    """Stop the benchmark with the command's stderr when it failed."""
    if run.returncode != 0:
        sys.stderr.write(f"{name} failed (exit {run.returncode}):\n{run.stderr[-2000:]}\n")
        raise SystemExit(1)
    return run


def python() -> str:
    return sys.executable


def machine() -> str:
    """Date, CPU, cores, memory and library versions: the line every figure is quoted with."""
    import duckdb
    import polars

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = "?"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {cpu}, {os.cpu_count()} cores, {memory}; "
            f"load {load}; Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"polars {polars.__version__}")


def data_file(kind: str, orders: int, fmt: str, data_dir: Path = DATA_DIR) -> Path:
    """The file :mod:`benchmarks.generate` writes for ``kind`` at ``orders`` orders,
    generated first if it is missing."""
    path = data_dir / f"{kind}_{orders}.{fmt}"
    if not path.exists():
        from benchmarks.generate import Sizes, generate

        print(f"generating {path.name} ...", file=sys.stderr)
        generate(Sizes.for_orders(orders), data_dir, formats=(fmt,), kinds=(kind,))
    return path


def fmt_seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
