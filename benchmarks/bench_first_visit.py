"""First visits after an import: each page's unfiltered view, with and without the views
computed ahead in the background (``dashboard/prewarm.py``).

Results are cached on the workspace version, so after every import the first visit of
each page computes its unfiltered view from all the orders. On a copy of the 10M-order
workspace, in one process (Streamlit's ``AppTest``, as ``bench_warm.py``):

1. every page and tab is opened once, unfiltered (what a user looked at last week; the
   calls are recorded);
2. a week's export is imported (``bench_import_update``'s orders week) and every page and
   tab is opened again with prewarming off: the first visits after an import as they were;
3. another week is imported, the Data page is opened (its rerun after an import starts
   the warm), the warm is waited for and timed, and every page and tab is opened again.

Each visit is timed from the page switch (or the tab change) to the end of the page's
run, with the sidebar's widgets at their defaults.

    python -m benchmarks.bench_first_visit                  # 10M orders
    python -m benchmarks.bench_first_visit --orders 3000    # smoke size
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, ROOT, fmt_seconds, machine

WEEK_ROWS = 10_000


def visit_all(at) -> dict[str, float]:
    """Seconds of the first run of every page and tab, by "page" or "page: tab"."""
    from benchmarks.bench_warm import PAGES, TAB_KEYS, views

    out = {}
    for page in PAGES:
        started = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{page}: {at.exception}")
        tabs = views(page, at)
        if tabs == [None]:
            out[page] = seconds
            continue
        first = at.session_state[TAB_KEYS[page]] if TAB_KEYS[page] in at.session_state \
            else tabs[0]
        out[f"{page}: {first}"] = seconds
        for tab in tabs:
            if tab == first:
                continue
            at.session_state[TAB_KEYS[page]] = tab
            started = time.perf_counter()
            at.run()
            out[f"{page}: {tab}"] = time.perf_counter() - started
            if at.exception:
                raise SystemExit(f"{page}, tab {tab}: {at.exception}")
        at.session_state[TAB_KEYS[page]] = first
    return out


def import_week(workspace: Path, csv: Path) -> int:
    """The week's CSV through the product's import; returns the new version."""
    from retention_core.ingest import import_prepared, prepare_import
    from retention_core.workspace import Workspace

    with Workspace(workspace) as ws:
        import_prepared(ws, prepare_import(csv, kind="orders"))
        return ws.version


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)

    from benchmarks.bench_import_update import write_week
    from benchmarks.build_workspace import build_workspace

    source = build_workspace(args.orders, args.data_dir)
    week_rows = min(WEEK_ROWS, max(args.orders // 10, 10))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "workspace.duckdb"
        shutil.copyfile(source, copy)
        weeks = [Path(tmp) / f"week{i}.csv" for i in (1, 2)]
        for seed, week in enumerate(weeks, start=1):
            write_week(copy, week_rows, week, seed=seed)
        os.environ["RETENTION_WORKSPACE"] = str(copy)
        os.environ["RETENTION_PREWARM"] = "1"

        import streamlit as st
        from streamlit.testing.v1 import AppTest

        from dashboard import prewarm

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900).run()
        visit_all(at)  # last week's visits: the calls are recorded
        recorded = len(prewarm.recorded())

        os.environ["RETENTION_PREWARM"] = "0"
        import_week(copy, weeks[0])
        st.cache_data.clear()  # as a new version: nothing of the old one is asked again
        cold = visit_all(at)

        os.environ["RETENTION_PREWARM"] = "1"
        version = import_week(copy, weeks[1])
        st.cache_data.clear()
        started = time.perf_counter()
        at.switch_page("pages/6_data.py").run()
        _, thread = prewarm._warmed[str(copy)]
        thread.join()
        warm_seconds = time.perf_counter() - started
        warm = visit_all(at)

    print(f"first visits after an import, {args.orders:,}-order workspace, a week of "
          f"{week_rows:,} orders imported; {recorded} unfiltered calls recorded, warmed in "
          f"{fmt_seconds(warm_seconds)} (version {version}); {machine()}")
    print(f"  {'page (: tab)':<42} {'not warmed':>11} {'warmed':>9}")
    for name in cold:
        print(f"  {name:<42} {fmt_seconds(cold[name]):>11} {fmt_seconds(warm[name]):>9}")
    print(f"  {'all pages and tabs':<42} {fmt_seconds(sum(cold.values())):>11} "
          f"{fmt_seconds(sum(warm.values())):>9}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
