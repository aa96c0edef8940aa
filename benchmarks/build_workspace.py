"""Build a workspace file from the generated Parquet files (for the warm-path benchmark).

The generated files are canonical already, so they go in through
``Workspace.import_frame`` (one transaction per table, as an import does) without the
file-reading pipeline, whose speed ``bench_import.py`` measures separately.

    python -m benchmarks.build_workspace --orders 10_000_000
    # -> benchmarks/data/workspace_10000000.duckdb
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks._common import DATA_DIR, data_file


def workspace_path(orders: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"workspace_{orders}.duckdb"


def build_workspace(orders: int, data_dir: Path = DATA_DIR, *, force: bool = False) -> Path:
    """The workspace file holding the generated orders, surveys and events of ``orders``."""
    import polars as pl

    from retention_core.workspace import Workspace

    path = workspace_path(orders, data_dir)
    if path.exists() and not force:
        return path
    for suffix in ("", ".wal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    with Workspace(building) as ws:
        for kind in ("orders", "surveys", "events"):
            source = data_file(kind, orders, "parquet", data_dir)
            frame = pl.read_parquet(source)
            if kind == "events":
                frame = frame.with_columns(pl.col("stage").alias("raw_event"))
            ws.import_frame(kind, frame, file_name=source.name)  # type: ignore[arg-type]
            del frame
        ws.cursor().execute("checkpoint")
    building.rename(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--data-dir", type=Path, default=DATA_DIR)
    p.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    args = p.parse_args(argv)
    started = time.perf_counter()
    path = build_workspace(args.orders, args.data_dir, force=args.force)
    print(f"{path} ({path.stat().st_size / 2**20:,.0f} MiB) in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
