"""The validation report of an import: what was read, kept, excluded and rejected, and why.

Nothing is dropped silently: every row that is not imported, or imported but excluded
from metrics, or imported with a value that could not be read, appears in
:attr:`ImportReport.issues` with its file, spreadsheet row number, column, reason and
the raw values of the row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from retention_core.exports import to_safe_csv
from retention_core.schema import Kind

# Outcomes of an issue row.
REJECTED = "rejected"  # not imported
EXCLUDED = "excluded"  # imported, but left out of every metric (cancelled, refunded, ...)
WARNING = "warning"  # imported; a value could not be read and was left empty
DUPLICATE = "duplicate"  # the same order / answer / event is in a later file: that copy is used

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "outcome": pl.String(),
    "file": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "reason": pl.String(),
    "value": pl.String(),
}

UNIT_NAMES: dict[Kind, tuple[str, str]] = {
    "orders": ("order", "orders"),
    "surveys": ("answer", "answers"),
    "events": ("event", "events"),
}


class IssueLog:
    """Collects issue rows while an import is prepared."""

    def __init__(self) -> None:
        self._parts: list[pl.DataFrame] = []

    def add(self, rows: pl.DataFrame, *, outcome: str, reason: str | pl.Expr,
            column: str | None, value: pl.Expr | None = None) -> int:
        """Record ``rows`` (which carry ``_source_file`` and ``_source_row``); returns how many."""
        if rows.height == 0:
            return 0
        reason_expr = reason if isinstance(reason, pl.Expr) else pl.lit(reason)
        part = rows.select(
            pl.lit(outcome).alias("outcome"),
            pl.col("_source_file").cast(pl.String).alias("file"),
            pl.col("_source_row").cast(pl.Int64).alias("row"),
            pl.lit(column, dtype=pl.String).alias("column"),
            reason_expr.cast(pl.String).alias("reason"),
            (value.cast(pl.String) if value is not None else pl.lit(None, pl.String)).alias("value"),
        )
        self._parts.append(part)
        return rows.height

    def frame(self, raw: pl.DataFrame | None = None) -> pl.DataFrame:
        """All issues sorted by file and row; with ``raw``, the raw values of each row joined."""
        if not self._parts:
            issues = pl.DataFrame(schema=ISSUE_SCHEMA)
        else:
            issues = pl.concat(self._parts, how="vertical").sort(["file", "row"], maintain_order=True)
        if raw is None or issues.height == 0:
            return issues
        values = [c for c in raw.columns if not c.startswith("_source_")]
        taken = set(issues.columns)
        renamed = {c: (c if c not in taken else f"{c} (file)") for c in values}
        # Each issue's position in ``raw`` (the first row with its file and row number),
        # found on the bookkeeping columns alone; then only those rows of the file's
        # columns are copied, once, in the issues' order (a 10M-row file with 4%
        # cancelled orders: 0.4M rows, not 10M, and no intermediate copies).
        found = (raw.select(pl.col("_source_file").cast(pl.String).alias("file"),
                            pl.col("_source_row").cast(pl.Int64).alias("row"))
                 .with_row_index("_position")
                 .filter(pl.col("row").is_in(issues.get_column("row").unique().implode()))
                 .unique(["file", "row"], keep="first"))
        positions = issues.select("file", "row").join(
            found, on=["file", "row"], how="left", maintain_order="left").get_column("_position")
        # By object and renamed first: a file's column may be called "*" or "^x$", which an
        # expression (also inside Series methods) would expand.
        extra = pl.DataFrame([raw.get_column(c).alias("value").gather(positions)
                              .cast(pl.String).alias(renamed[c]) for c in values],
                             height=issues.height)
        return issues.hstack(extra)


@dataclass
class ImportReport:
    """What an import found, as numbers and as one row per problem.

    Attributes
    ----------
    kind, preset, files
        What was read and how it was understood.
    rows_read
        Data rows in the files (line items count one each).
    found
        Orders / answers / events the rows make (after line items are combined).
    kept
        Imported and counted in metrics.
    excluded
        Imported but excluded from metrics (cancelled, refunded, voided, failed orders).
    rejected
        Not imported (unreadable date, missing amount, duplicate, score out of range...).
    by_reason
        ``{reason: count}`` of units (orders, answers, events) per rejection / exclusion
        reason; warnings count values.
    guest_share
        Orders only: share of kept orders with no customer (guest checkouts).
    derived_ids
        How many ids were made up because the file has none, and how.
    duplicates
        Rows that repeat an order / answer / event of a later file read in the same import
        (overlapping exports): the later copy is used, these are listed as issues.
    formats
        ``{field: how its column was read}`` (e.g. ``"dd.mm.yyyy"``).
    notes
        Sentences for people (what was assumed, what to check).
    issues
        One row per problem: outcome, file, row, column, reason, value, then the raw
        values of that row.
    """

    kind: Kind
    preset: str | None
    files: list[str]
    mapping: dict[str, str]
    rows_read: int = 0
    found: int = 0
    kept: int = 0
    excluded: int = 0
    rejected: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    guest_share: float | None = None
    derived_ids: int = 0
    duplicates: int = 0
    formats: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    issues: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ISSUE_SCHEMA))

    @property
    def imported(self) -> int:
        """Rows the import writes: kept plus excluded (excluded orders are stored, flagged)."""
        return self.kept + self.excluded

    @property
    def unit(self) -> str:
        """``orders`` / ``answers`` / ``events``."""
        return UNIT_NAMES[self.kind][1]

    def count(self, reason: str, n: int = 1) -> None:
        if n:
            self.by_reason[reason] = self.by_reason.get(reason, 0) + n

    def issues_csv(self) -> bytes:
        """The issue rows as a spreadsheet-safe CSV (:func:`retention_core.exports.to_safe_csv`)."""
        return to_safe_csv(self.issues)

    def to_dict(self, *, sample: int = 50) -> dict[str, Any]:
        """A JSON-able summary (stored with the import; printed by ``ingest --json``).

        ``sample`` issue rows are included (without the raw values); the full list is
        :attr:`issues`.
        """
        head = self.issues.select(list(ISSUE_SCHEMA)).head(sample)
        return {
            "kind": self.kind,
            "preset": self.preset,
            "files": list(self.files),
            "mapping": dict(self.mapping),
            "rows_read": self.rows_read,
            "found": self.found,
            "kept": self.kept,
            "excluded": self.excluded,
            "rejected": self.rejected,
            "by_reason": dict(sorted(self.by_reason.items(), key=lambda kv: -kv[1])),
            "guest_share": self.guest_share,
            "derived_ids": self.derived_ids,
            "duplicates": self.duplicates,
            "formats": dict(self.formats),
            "notes": list(self.notes),
            **self.extra,
            "issues": self.issues.height,
            "issues_sample": head.to_dicts(),
        }

    def summary_lines(self) -> list[str]:
        """The report as lines of text for the terminal."""
        unit = self.unit
        lines = [
            f"kind: {self.kind}" + (f" (preset {self.preset})" if self.preset else ""),
            f"files: {', '.join(self.files)}",
            f"rows read: {self.rows_read:,}",
            f"{unit} found: {self.found:,}",
            f"{unit} kept: {self.kept:,}",
        ]
        if self.kind == "orders":
            lines.append(f"{unit} excluded (stored, not in metrics): {self.excluded:,}")
        lines.append(f"{unit} rejected (not imported): {self.rejected:,}")
        if self.guest_share is not None:
            lines.append(f"guest orders: {self.guest_share:.1%} of kept orders")
        if self.derived_ids:
            lines.append(f"derived ids: {self.derived_ids:,}")
        if self.duplicates:
            lines.append(f"copies in earlier files skipped: {self.duplicates:,}")
        for reason, n in sorted(self.by_reason.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {reason}: {n:,}")
        for name, how in self.formats.items():
            lines.append(f"column {name}: {how}")
        lines.extend(f"note: {n}" for n in self.notes)
        return lines
