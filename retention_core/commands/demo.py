"""`demo --out DIR [--customers N] [--seed S]`: write the demo data set as CSV files."""

from __future__ import annotations

import argparse
import sys

from retention_core.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="write a realistic demo data set (orders, surveys, events)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files to")
    p.add_argument("--customers", type=int, default=3000, help="customers (default 3000)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retention_core.demo import write_demo

    if args.customers < 1:
        raise InputError("--customers must be at least 1")
    paths = write_demo(args.out, customers=args.customers, seed=args.seed)
    for name, path in paths.items():
        sys.stdout.write(f"{name}: {path}\n")
    return 0
