"""`report --out FILE.html [--as-of DATE]`: the weekly report as one self-contained file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retention_core.commands import add_source_options, open_sources, parse_date
from retention_core.errors import InputError
from retention_core.filters import Filters


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the weekly report as one self-contained HTML file")
    add_source_options(p)
    p.add_argument("--out", required=True, metavar="FILE.html", help="file to write")
    p.add_argument("--as-of", metavar="DATE",
                   help="report on the last complete period up to this date (default: latest data)")
    p.add_argument("--period", choices=("week", "month"), default="week",
                   help="compare weeks (default) or months")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retention_core.report import build_report_html

    as_of = parse_date(args.as_of, "--as-of")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise InputError(f"--out: the folder {out.parent} does not exist")
    ws = open_sources(args)
    html = build_report_html(ws.cursor(), Filters(), args.period, as_of)
    out.write_text(html, encoding="utf-8")
    sys.stdout.write(f"report: {out} ({len(html) // 1024} KiB)\n")
    return 0
