"""CLI commands, one module each with ``register(subparsers)``; shared options here."""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from retention_core.errors import InputError
from retention_core.schema import FUNNEL_STAGES, SURVEY_TYPES
from retention_core.workspace import Workspace


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The file options every reading command takes (SPEC.md)."""
    g = parser.add_argument_group("data sources")
    g.add_argument("--orders", action="append", default=[], metavar="FILE",
                   help="orders export (CSV, CSV.gz, Parquet, XLSX); repeat for several files")
    g.add_argument("--surveys", action="append", default=[], metavar="FILE",
                   help="NPS / CSAT answers; repeatable")
    g.add_argument("--events", action="append", default=[], metavar="FILE",
                   help="cart / checkout / funnel events; repeatable")
    g.add_argument("--map", action="append", default=[], metavar="CANONICAL=SOURCE",
                   help="map a canonical column to a column of the file; repeatable")
    g.add_argument("--preset", metavar="NAME",
                   help="known export format: shopify, shopify_checkouts, woocommerce, "
                        "online_retail, ga4")
    g.add_argument("--stage-map", action="append", default=[], metavar="RAW=STAGE",
                   help=f"map a raw event name to a funnel stage ({', '.join(FUNNEL_STAGES)})")
    g.add_argument("--survey", choices=SURVEY_TYPES,
                   help="declare every answer of the survey files as nps or csat")
    g.add_argument("--workspace", metavar="PATH",
                   help="read (or for ingest, write) a stored workspace file")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def parse_pairs(pairs: list[str], option: str) -> dict[str, str]:
    """``["a=b", ...]`` -> ``{"a": "b"}``; a malformed pair is an InputError."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option} expects NAME=VALUE, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def parse_date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} expects a date like 2026-11-23, got {text!r}") from None


def open_sources(args: argparse.Namespace, *, need: tuple[str, ...] = (),
                 orders_columns: tuple[str, ...] | None = None) -> Workspace:
    """A workspace with the data the command was given.

    Files (``--orders`` ...) are imported into a throw-away in-memory workspace;
    ``--workspace`` alone opens a stored one read-only. ``need`` names the tables the
    command cannot work without. ``orders_columns``: the only orders columns the command
    reads besides those every command reads (``_canonical.ALWAYS_READ``); an orders file
    that is already canonical is then served with the other columns empty (default: all
    columns, see :mod:`retention_core.commands._canonical`).
    """
    files = {k: [Path(p) for p in getattr(args, k)] for k in ("orders", "surveys", "events")}
    if any(files.values()):
        from retention_core.ingest import ingest_files, options_per_kind

        ws = Workspace(":memory:")
        mapping = parse_pairs(args.map, "--map")
        stage_map = parse_pairs(args.stage_map, "--stage-map")
        # one command line's --map / --preset go to the kinds they fit
        options = options_per_kind([k for k, p in files.items() if p], mapping, args.preset)
        for kind, paths in files.items():
            if paths and not (kind == "orders"
                              and _mount_canonical_orders(ws, paths, args, orders_columns)):
                kind_mapping, kind_preset = options[kind]
                ingest_files(ws, paths, kind=kind, preset=kind_preset, mapping=kind_mapping,
                             stage_map=stage_map, survey=args.survey)
    elif args.workspace:
        path = Path(args.workspace)
        if not path.exists():
            raise InputError(f"workspace {path} does not exist; create it with `ingest`")
        ws = Workspace(path, read_only=True)
    else:
        raise InputError("no data given: pass --orders/--surveys/--events FILE or --workspace PATH")
    counts = ws.counts()
    missing = [k for k in need if not counts[k]]
    if missing:
        raise InputError(f"this command needs {' and '.join(missing)} data; "
                         f"pass --{missing[0]} FILE")
    return ws


def _mount_canonical_orders(ws: Workspace, paths: list[Path], args: argparse.Namespace,
                            columns: tuple[str, ...] | None) -> bool:
    """Serve one already-canonical orders Parquet file without the import pipeline.

    True when done; False when the file needs the pipeline (any option given, several
    files, or values the pipeline would change: see :mod:`retention_core.commands._canonical`).
    """
    if len(paths) != 1 or args.map or args.preset:
        return False
    from retention_core.commands._canonical import read_canonical_orders

    frame = read_canonical_orders(paths[0], columns)
    if frame is None:
        return False
    try:
        ws.mount_frame("orders", frame, file_name=paths[0].name)
    except InputError:  # repeated order ids (line items): the pipeline combines them
        return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def emit_json(obj: dict[str, Any]) -> None:
    """Print ``obj`` as one JSON object (NaN -> null, dates as ISO strings)."""
    sys.stdout.write(json.dumps(_jsonable(obj), ensure_ascii=False) + "\n")
