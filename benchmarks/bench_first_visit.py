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
   the warm), the warm is waited for and timed, and every page and tab is opened again;
   then once more with the sidebar's Period set to week ("then weekly": views the warm
   did not compute, unless they do not depend on the period).

Each visit is timed from the page switch (or the tab change) to the end of the page's
run, with the sidebar's widgets at their defaults.

Before that, a restart: fresh processes on the same copy, ``--restarts`` of each kind,
alternating, once every page and tab has been opened in an earlier process (the views
file then lists them). Each opens the app (the Overview: timed), waits for the warm (if
on), then opens every page and tab.

    python -m benchmarks.bench_first_visit                  # 10M orders
    python -m benchmarks.bench_first_visit --orders 3000 --restarts 1   # smoke size
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, ROOT, check, fmt_seconds, machine, python, run_timed

WEEK_ROWS = 10_000


def visit_all(at) -> dict[str, float]:
    """Seconds of the first run of every page and tab, by "page" or "page: tab".

    A page with tabs opens on its first tab (set in session state and dropped from the
    URL, where the tab last opened would otherwise win); each other tab is then opened.
    """
    from benchmarks.bench_warm import PAGES, TAB_KEYS

    out = {}
    for page in PAGES:
        key = TAB_KEYS.get(page)
        if key and page in _TABS:
            at.session_state[key] = _TABS[page][0]
            if key in at.query_params:
                del at.query_params[key]
        started = time.perf_counter()
        at.switch_page(f"pages/{page}.py").run()
        seconds = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"{page}: {at.exception}")
        if key is None:
            out[page] = seconds
            continue
        tabs = _TABS.setdefault(page, [t.label for t in at.tabs])
        drawn = [t.label for t in at.tabs if t.children]  # lazy tabs: only the open one
        out[f"{page}: {drawn[0]}"] = seconds
        for tab in tabs:
            if tab == drawn[0]:
                continue
            at.session_state[key] = tab
            started = time.perf_counter()
            at.run()
            out[f"{page}: {tab}"] = time.perf_counter() - started
            if at.exception:
                raise SystemExit(f"{page}, tab {tab}: {at.exception}")
    return out


_TABS: dict[str, list[str]] = {}  # each tabbed page's tab labels, learnt on the first visit


def import_week(workspace: Path, csv: Path) -> int:
    """The week's CSV through the product's import; returns the new version."""
    from retention_core.ingest import import_prepared, prepare_import
    from retention_core.workspace import Workspace

    with Workspace(workspace) as ws:
        import_prepared(ws, prepare_import(csv, kind="orders"))
        return ws.version


def restart(workspace: str, prewarm_on: str, record: bool = False) -> dict[str, float]:
    """A fresh process opening the app on ``workspace`` (the ``restart`` child)."""
    os.environ["RETENTION_WORKSPACE"] = workspace
    os.environ["RETENTION_PREWARM"] = prewarm_on
    from streamlit.testing.v1 import AppTest

    from dashboard import prewarm

    started = time.perf_counter()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900).run()
    first = time.perf_counter() - started
    started = time.perf_counter()
    warming = prewarm._warmed.get(workspace)
    if warming and not record:
        warming[1].join()
    waited = time.perf_counter() - started
    visits = visit_all(at)
    return {"first": first, "waited": waited, "visits": sum(visits.values())}


def restarts(copy: Path, runs: int) -> dict[str, list[dict[str, float]]]:
    """The restart children, alternating without / with prewarming (after a recording one)."""
    def child(on: str, *extra: str) -> dict[str, float]:
        cmd = [python(), "-m", "benchmarks.bench_first_visit", "restart", str(copy), on, *extra]
        return json.loads(check(run_timed(cmd), "restart").stdout.strip().splitlines()[-1])

    child("1", "record")
    out: dict[str, list[dict[str, float]]] = {"0": [], "1": []}
    for _ in range(runs):
        for on in ("0", "1"):
            out[on].append(child(on))
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["restart"]:
        print(json.dumps(restart(argv[1], argv[2], record=argv[3:] == ["record"])))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--restarts", type=int, default=2)
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
        restarted = restarts(copy, args.restarts)
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
        at.session_state["keep_flt_period"] = "week"  # the sidebar's Period, as a click sets it
        weekly = visit_all(at)

    print(f"first visits after an import, {args.orders:,}-order workspace, a week of "
          f"{week_rows:,} orders imported; {recorded} unfiltered calls recorded, warmed in "
          f"{fmt_seconds(warm_seconds)} (version {version}); {machine()}")
    print(f"  {'page (: tab)':<42} {'not warmed':>11} {'warmed':>9} {'then weekly':>12}")
    for name in cold:
        print(f"  {name:<42} {fmt_seconds(cold[name]):>11} {fmt_seconds(warm[name]):>9} "
              f"{fmt_seconds(weekly[name]):>12}")
    print(f"  {'all pages and tabs':<42} {fmt_seconds(sum(cold.values())):>11} "
          f"{fmt_seconds(sum(warm.values())):>9} {fmt_seconds(sum(weekly.values())):>12}")
    print("after a restart (fresh processes, alternating): first page; waiting for the warm; "
          "then every page and tab")
    for on, label in (("0", "prewarm off"), ("1", "prewarm on")):
        runs = "; ".join(f"{fmt_seconds(r['first'])}, {fmt_seconds(r['waited'])}, "
                         f"{fmt_seconds(r['visits'])}" for r in restarted[on])
        print(f"  {label:<12} {runs}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
