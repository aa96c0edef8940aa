"""polars' allocator returns freed memory to the system in our processes (issue 9: a 10M-row
import peaks ~0.9 GB lower), because ``retention_core`` sets jemalloc's option before
polars is first imported."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import retention_core

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = "_RJEM_MALLOC_CONF"


def _run(code: str, env_value: str | None = None) -> str:
    """Run ``code`` in a fresh interpreter (the variable unset, or set to ``env_value``)."""
    env = {k: v for k, v in os.environ.items() if k != VARIABLE}
    if env_value is not None:
        env[VARIABLE] = env_value
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_the_option_is_set_before_polars_loads():
    # polars puts its own defaults first and ours after them (jemalloc: the last one wins).
    out = _run("import sys, os\n"
               "import retention_core.ingest\n"  # any module of the package: it loads polars
               "print(os.environ.get('_RJEM_MALLOC_CONF'))\n")
    assert out.endswith(",background_thread:true,dirty_decay_ms:0,muzzy_decay_ms:0")
    out = _run("import sys, os\n"
               "import retention_core\n"
               "print('polars' in sys.modules, os.environ.get('_RJEM_MALLOC_CONF'))\n")
    assert out == "False background_thread:true,dirty_decay_ms:0,muzzy_decay_ms:0"


def test_an_operator_setting_is_kept():
    out = _run("import os, retention_core; print(os.environ['_RJEM_MALLOC_CONF'])",
               env_value="dirty_decay_ms:5000")
    assert out == "dirty_decay_ms:5000"


_FREE_A_FRAME = """
import retention_core
import polars as pl

def rss_mb():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20

before = rss_mb()
frame = pl.select(pl.int_range(20_000_000).cast(pl.String).alias('x'))
during = rss_mb()
del frame
print(round(during - before), round(rss_mb() - before))
"""


def test_polars_returns_a_freed_frame_to_the_system():
    # RSS from /proc: the project runs and is tested on Linux (scripts/setup-dev.sh)
    grown, left = map(int, _run(_FREE_A_FRAME).split())
    assert grown > 200  # 20M short strings: ~320 MB
    # jemalloc's defaults keep most of it for ten seconds; with the option it is returned.
    assert left < 0.2 * grown, (grown, left)


def test_the_app_imports_retention_core_before_streamlit():
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    first = imports[0]
    assert isinstance(first, ast.Import) and first.names[0].name == "retention_core"
    assert retention_core.MALLOC_CONF_VARIABLE == VARIABLE
