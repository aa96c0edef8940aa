"""`ingest --workspace PATH --orders F ...`: import exports into a workspace file.

Every file is read, mapped and validated first; only when all of them can be imported
is anything written (one transaction per kind). Importing the same rows twice changes
nothing: the second run reports 0 new and 0 updated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retention_core.commands import add_json_option, add_source_options, emit_json, parse_pairs
from retention_core.errors import InputError

KIND_OPTIONS = ("orders", "surveys", "events")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="import orders / survey answers / events into a workspace",
                       description=__doc__)
    add_source_options(p)
    add_json_option(p)
    p.add_argument("--rejected-out", metavar="FILE",
                   help="write the rejected / excluded rows with their reasons to this CSV")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retention_core.ingest import import_prepared, options_per_kind, prepare_import
    from retention_core.workspace import Workspace

    if not args.workspace:
        raise InputError("ingest needs --workspace PATH (the file to import into)")
    files = {k: [Path(p) for p in getattr(args, k)] for k in KIND_OPTIONS}
    kinds = [k for k in KIND_OPTIONS if files[k]]
    if not kinds:
        raise InputError("nothing to import: pass --orders, --surveys or --events FILE")
    options = options_per_kind(kinds, parse_pairs(args.map, "--map"), args.preset)
    stage_map = parse_pairs(args.stage_map, "--stage-map")

    prepared = [prepare_import(files[kind], kind=kind, preset=options[kind][1],  # type: ignore[arg-type]
                               mapping=options[kind][0], stage_map=stage_map,
                               survey=args.survey)
                for kind in kinds]
    out = []
    with Workspace(Path(args.workspace)) as ws:
        for prep in prepared:
            result = import_prepared(ws, prep)
            out.append((prep, result))
        counts = ws.counts()
    if args.rejected_out:
        import polars as pl

        from retention_core.exports import to_safe_csv

        frames = [p.report.issues.with_columns(pl.lit(p.kind).alias("kind")) for p, _ in out]
        issues = pl.concat(frames, how="diagonal_relaxed")
        Path(args.rejected_out).write_bytes(to_safe_csv(issues))

    if args.json:
        emit_json({
            "workspace": str(args.workspace),
            "imports": [{"kind": p.kind, "import_id": r.import_id, "rows": r.rows, "new": r.new,
                         "updated": r.updated, "unchanged": r.unchanged,
                         "report": p.report.to_dict()} for p, r in out],
            "counts": counts,
        })
        return 0
    for prep, result in out:
        for line in prep.report.summary_lines():
            sys.stdout.write(line + "\n")
        sys.stdout.write(f"workspace: import #{result.import_id}: {result.new:,} new, "
                         f"{result.updated:,} updated, {result.unchanged:,} unchanged\n\n")
    sys.stdout.write("workspace now holds " + ", ".join(f"{n:,} {k}" for k, n in counts.items())
                     + f" ({args.workspace})\n")
    return 0
