"""What the builders of orders, answers and events share: the context of one import."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from retention_core.ingest.fields import Parsed, read_text, row_identity
from retention_core.ingest.report import DUPLICATE, ImportReport, IssueLog
from retention_core.presets import Preset


@dataclass
class BuildContext:
    """Everything a builder needs besides the raw rows."""

    mapping: dict[str, str]
    preset: Preset | None
    files: list[str]
    report: ImportReport
    log: IssueLog = field(default_factory=IssueLog)
    composed: dict[str, list[str]] = field(default_factory=dict)
    survey: str | None = None
    stage_map: dict[str, str] = field(default_factory=dict)

    def source(self, name: str) -> str | None:
        return self.mapping.get(name)

    def epoch_unit(self, name: str) -> str | None:
        return self.preset.epoch_units.get(name) if self.preset else None

    def note_format(self, name: str, parsed: Parsed) -> None:
        if parsed.detail:
            self.report.formats[name] = f"{self.mapping.get(name, name)}: {parsed.detail}"


def base_frame(raw: pl.DataFrame, files: list[str]) -> pl.DataFrame:
    """Row bookkeeping: file, spreadsheet row and, when several files are read, the file's
    position ``_f`` (a later file wins)."""
    columns = [pl.col("_source_file").cast(pl.String), pl.col("_source_row").cast(pl.Int64)]
    if len(files) > 1:
        order = {name: i for i, name in enumerate(files)}
        columns.append(pl.col("_source_file").cast(pl.String)
                       .replace_strict(order, default=0, return_dtype=pl.Int32).alias("_f"))
    return raw.select(columns)


def source_columns(raw: pl.DataFrame) -> list[str]:
    return [c for c in raw.columns if not c.startswith("_source_")]


def make_ids(raw: pl.DataFrame, ctx: BuildContext, key: str, *, prefix: str,
             unit: str) -> tuple[pl.Series, pl.Series, bool]:
    """The id of every row: the mapped column, a composite of the preset, or derived.

    Returns ``(ids, missing, derived)``; ``missing`` marks rows whose id column is empty.
    """
    if key in ctx.mapping:
        ids = read_text(raw.get_column(ctx.mapping[key])).alias(key)
        return ids, ids.is_null(), False
    if key in ctx.composed:
        from retention_core.ingest.fields import join_parts

        ids = join_parts(raw, ctx.composed[key]).alias(key)
        ctx.report.notes.append(f"{unit} id = {' + '.join(ctx.composed[key])}")
        return ids, ids.is_null(), False
    ids = row_identity(raw, source_columns(raw), prefix=prefix).alias(key)
    return ids, pl.Series([False] * raw.height), True


def drop_earlier_copies(work: pl.DataFrame, key: str, ctx: BuildContext,
                        unit: str) -> pl.DataFrame:
    """Keep each key's rows from the last file that has it; log the other copies.

    Overlapping exports read together (week 1, then weeks 1-2) then count each order
    once, as the later export has it.
    """
    if work.height == 0 or "_f" not in work.columns or work.get_column("_f").n_unique() < 2:
        return work
    last = pl.col("_f").max().over(key)
    copies = work.filter(pl.col("_f") < last)
    if copies.height == 0:
        return work
    later = work.group_by(key).agg(pl.col("_source_file").sort_by("_f").last().alias("_later"))
    firsts = (copies.group_by([key, "_f"], maintain_order=True).agg(pl.all().first())
              .join(later, on=key, how="left"))
    n = ctx.log.add(firsts, outcome=DUPLICATE,
                    reason=pl.lit(f"duplicate {unit}: also in the later file ") + pl.col("_later"),
                    column=ctx.mapping.get(key), value=pl.col(key))
    ctx.report.duplicates += n
    ctx.report.count(f"duplicate {unit} (the later file's copy is used)", n)
    return work.filter(pl.col("_f") == last)
