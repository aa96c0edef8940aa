"""`kpis [--as-of DATE] --json`: the headline KPIs over all the data, plus `weekly`."""

from __future__ import annotations

import argparse
import sys

from retention_core.commands import (
    add_json_option,
    add_source_options,
    emit_json,
    open_sources,
    parse_date,
)
from retention_core.filters import Filters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kpis", help="headline KPIs over all the data and per ISO week")
    add_source_options(p)
    p.add_argument("--as-of", metavar="DATE", help="ignore data after this date (YYYY-MM-DD)")
    add_json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retention_core.metrics.kpis import KPI_KEYS, compute_kpis, compute_weekly_kpis

    as_of = parse_date(args.as_of, "--as-of")
    ws = open_sources(args)
    filters = Filters(end=as_of)
    con = ws.cursor()
    totals = compute_kpis(con, filters)
    weekly = compute_weekly_kpis(con, filters)
    if args.json:
        totals["weekly"] = weekly.with_columns(weekly["week"].cast(str)).to_dicts()
        emit_json(totals)
        return 0
    for key in KPI_KEYS:
        value = totals[key]
        sys.stdout.write(f"{key:>24}: {'n/a' if value is None else round(value, 4)}\n")
    sys.stdout.write(f"{'weeks':>24}: {weekly.height}\n")
    return 0
