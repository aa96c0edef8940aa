"""`retention [--period week|month|quarter] [--unbounded] [--as-of DATE] [--json]`.

Prints the cohort retention table (SPEC.md, "Command-line interface"): the numbers come
from :func:`retention_core.metrics.retention.compute_cohort_table`, the function the
Retention page shows.
"""

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
from retention_core.filters import PERIODS, Filters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retention", help="cohort retention table (bounded or unbounded)")
    add_source_options(p)
    p.add_argument("--period", choices=PERIODS, default="month",
                   help="cohort and retention period (default month)")
    p.add_argument("--unbounded", action="store_true",
                   help="unbounded (rolling) retention: an order in the period or any later one")
    p.add_argument("--as-of", metavar="DATE",
                   help="take the table at this date (default: the latest order date)")
    add_json_option(p)
    p.set_defaults(handler=run)


def build_payload(table, period: str, unbounded: bool, as_of) -> dict:
    """The JSON object of SPEC.md from a cohort table (plus ``as_of`` and ``is_partial``)."""
    rows = [
        {"cohort": r["cohort"].isoformat(), "size": r["cohort_size"],
         "period_index": r["period_index"], "retained": r["retained"], "rate": r["rate"],
         "is_partial": r["is_partial"]}
        for r in table.iter_rows(named=True)
    ]
    return {"period": period, "unbounded": unbounded,
            "as_of": as_of.isoformat() if as_of else None, "rows": rows}


# Orders columns the cohort table reads besides order_id, ordered_at, revenue and status
# (see open_sources): channel, country, device, ... only through the global filters and
# segment splits, which this command does not offer.
READS = ("customer_id",)


def run(args: argparse.Namespace) -> int:
    from retention_core.metrics.retention import compute_cohort_table
    from retention_core.metrics.retention_scope import resolve_scope

    as_of = parse_date(args.as_of, "--as-of")
    ws = open_sources(args, need=("orders",), orders_columns=READS)
    try:
        con = ws.cursor()
        filters = Filters()
        scope = resolve_scope(con, filters, args.period, as_of)
        # the table at the date just resolved: no second scan for the latest order date
        table = compute_cohort_table(con, filters, args.period, args.unbounded,
                                     scope.as_of if scope else as_of)
    finally:
        ws.close()
    payload = build_payload(table, args.period, args.unbounded, scope.as_of if scope else None)
    if args.json:
        emit_json(payload)
    else:
        sys.stdout.write(format_table(payload))
    return 0


def format_table(payload: dict) -> str:
    """The cohort table as text: one line per cohort, rates in percent (* = partial)."""
    kind = "unbounded" if payload["unbounded"] else "bounded"
    lines = [f"Cohort retention by {payload['period']} ({kind}), as of {payload['as_of']}; "
             "* = period in progress"]
    by_cohort: dict[str, list[dict]] = {}
    for row in payload["rows"]:
        by_cohort.setdefault(row["cohort"], []).append(row)
    if not by_cohort:
        return "\n".join([*lines, "(no customers with orders)"]) + "\n"
    width = max(len(v) for v in by_cohort.values())
    lines.append(f"{'cohort':<10} {'size':>7} " + " ".join(f"{k:>6}" for k in range(width)))
    for cohort, cells in by_cohort.items():
        text = " ".join(f"{100 * c['rate']:5.1f}{'*' if c['is_partial'] else ' '}"
                        for c in cells)
        lines.append(f"{cohort:<10} {cells[0]['size']:>7} {text}")
    return "\n".join(lines) + "\n"
