"""The import pipeline: files -> canonical frame + validation report -> workspace.

``prepare_import`` reads the files (:mod:`retention_core.io`), recognises what they hold
and how their columns map (:mod:`retention_core.mapping`, :mod:`retention_core.presets`),
builds the canonical rows (orders, answers or events) and a report of everything that
was rejected, excluded or left empty. ``ingest_files`` then writes the rows into a
workspace in one transaction (idempotent: the same rows twice change nothing).

The steps can also be run one by one, as the Data page does: :func:`read_sources`
once, then :func:`suggest_for` and :func:`prepare_raw` each time the mapping changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from retention_core.errors import InputError, MappingError
from retention_core.ingest.common import BuildContext
from retention_core.ingest.events import build_events
from retention_core.ingest.orders import build_orders
from retention_core.ingest.report import ImportReport, IssueLog
from retention_core.ingest.surveys import build_surveys
from retention_core.mapping import (
    MappingSuggestion,
    apply_overrides,
    check_stage_map,
    detect_kind,
    suggest_mapping,
)
from retention_core.schema import KINDS, Kind

if TYPE_CHECKING:
    from retention_core.io import Limits, RawTable, Source
    from retention_core.workspace import ImportResult, Workspace

__all__ = ["ImportReport", "PreparedImport", "SourceFile", "import_prepared", "ingest_files",
           "options_per_kind", "prepare_import", "prepare_raw", "read_sources", "suggest_for"]

_KIND_WORDS = {"orders": "an orders export", "surveys": "survey answers",
               "events": "a funnel event log"}
_BUILDERS = {"orders": build_orders, "surveys": build_surveys, "events": build_events}


@dataclass(frozen=True)
class SourceFile:
    """A file given to an import: its name, SHA-256 of its bytes, and size."""

    name: str
    sha256: str
    size: int


@dataclass
class PreparedImport:
    """An import ready to be written: what was understood, the rows, and the report.

    Attributes
    ----------
    kind, preset
        The table filled and the recognised export format (``None`` = generic).
    suggestion
        The mapping used (after the user's overrides) and the file's columns.
    frame
        Canonical rows (column names of :mod:`retention_core.schema`).
    report
        The validation report.
    files
        The files read, in the order given (a later file wins for repeated rows).
    """

    kind: Kind
    preset: str | None
    suggestion: MappingSuggestion
    frame: pl.DataFrame
    report: ImportReport
    files: list[SourceFile]

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self.suggestion.mapping)

    @property
    def file_name(self) -> str:
        """The name recorded with the import (several files: the first and how many more)."""
        names = [f.name for f in self.files]
        if len(names) <= 3:
            return ", ".join(names)
        return f"{', '.join(names[:2])} and {len(names) - 2} more"

    @property
    def file_hash(self) -> str:
        """SHA-256 of the file's bytes (several files: of their hashes in order)."""
        if len(self.files) == 1:
            return self.files[0].sha256
        joined = "\n".join(f.sha256 for f in self.files).encode()
        return hashlib.sha256(joined).hexdigest()

    def preview(self, rows: int = 20, *, drop_empty: bool = True) -> pl.DataFrame:
        """The first canonical rows after parsing (what will be stored).

        ``drop_empty`` leaves out columns the file does not fill.
        """
        head = self.frame.head(rows)
        if not drop_empty:
            return head
        filled = [c for c in self.frame.columns if self.frame.get_column(c).null_count()
                  < self.frame.height]
        return head.select(filled)


# -- reading -------------------------------------------------------------------------


def _describe_source(source: Source) -> SourceFile:
    if isinstance(source, tuple):
        name, content = source
        return SourceFile(str(name), hashlib.sha256(content).hexdigest(), len(content))
    path = Path(source)
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return SourceFile(path.name, digest.hexdigest(), size)


def read_sources(sources: Source | Sequence[Source], *,
                 limits: Limits | None = None) -> tuple[RawTable, list[SourceFile]]:
    """Read one or several files of one kind into one raw table (columns as in the files).

    Raises :class:`InputError` for a missing, empty, header-only or unreadable file.
    """
    from retention_core.io import Limits, read_raw_many

    if isinstance(sources, (str, Path, tuple)):
        sources = [sources]  # type: ignore[list-item]
    sources = list(sources)  # type: ignore[arg-type]
    if not sources:
        raise InputError("no file given")
    for source in sources:
        if not isinstance(source, tuple) and not Path(source).is_file():
            raise InputError(f"{source}: no such file")
    # The files are hashed in a thread while they are parsed (hashlib releases the GIL):
    # a 1 GB file's SHA-256 then costs no wall time of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        described = pool.map(_describe_source, sources)
        raw = read_raw_many(sources, limits=limits or Limits())
        files = list(described)
    columns = [c for c in raw.frame.columns if not c.startswith("_source_")]
    names = ", ".join(f.name for f in files)
    if not columns:
        raise InputError("the file is empty: it has no header and no rows", file=names)
    if raw.frame.height == 0:
        raise InputError("the file has a header but no data rows; export again with the "
                         "data included", file=names)
    return raw, files


# -- understanding -------------------------------------------------------------------


def suggest_for(raw: RawTable | pl.DataFrame, *, kind: Kind | None = None,
                preset: str | None = None,
                mapping: Mapping[str, str | None] | None = None) -> MappingSuggestion:
    """How the raw table's columns map (detected, then the user's overrides applied).

    Does not check that required fields are mapped (see :func:`prepare_raw`), so a page
    can show the suggestion and let the user complete it.
    """
    frame = raw if isinstance(raw, pl.DataFrame) else raw.frame
    columns = [c for c in frame.columns if not c.startswith("_source_")]
    suggestion = suggest_mapping(columns, kind=kind, preset=preset)
    return apply_overrides(suggestion, mapping)


def _check_complete(suggestion: MappingSuggestion, kind_given: Kind | None,
                    file_label: str) -> None:
    """Raise a clear error when required fields are unmapped: wrong kind, or say what to map."""
    if not suggestion.missing:
        return
    from retention_core import presets

    cols = list(suggestion.columns)
    if kind_given is not None and not suggestion.overridden:
        other = presets.detect_preset(cols)
        looks = other.kind if other is not None else detect_kind(cols)
        if looks is not None and looks != kind_given:
            what = f"a {other.title}" if other is not None else _KIND_WORDS[looks]
            raise InputError(f"this looks like {what}, not {kind_given}: pass it with "
                             f"--{looks} (or choose {looks} on the Data page)", file=file_label)
    shown = ", ".join(repr(c) for c in cols[:30]) + (" ..." if len(cols) > 30 else "")
    needs = ", ".join(suggestion.missing)
    raise MappingError(f"no column found for {needs} (required for {suggestion.kind}); map it "
                       f"with --map {suggestion.missing[0]}=COLUMN. The file's columns are "
                       f"{shown}", file=file_label)


def prepare_raw(raw: RawTable | pl.DataFrame, files: Sequence[SourceFile] | None = None, *,
                kind: Kind | None = None, preset: str | None = None,
                mapping: Mapping[str, str | None] | None = None,
                stage_map: Mapping[str, str] | None = None,
                survey: str | None = None) -> PreparedImport:
    """Build the canonical rows and the report from an already read raw table.

    Parameters are those of :func:`prepare_import`. ``raw`` may be a polars frame with the
    file's columns plus ``_source_file`` and ``_source_row`` (tests build them directly).
    """
    from retention_core import presets

    frame = raw if isinstance(raw, pl.DataFrame) else raw.frame
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if "_source_file" not in frame.columns:
        frame = frame.with_columns(pl.lit("data").alias("_source_file"))
    if "_source_row" not in frame.columns:
        frame = frame.with_columns((pl.int_range(pl.len()) + 2).alias("_source_row"))
    # A select, not get_column: a file's name is one value for all its rows (io.read_raw),
    # which get_column would write out per row.
    file_order = frame.select(pl.col("_source_file").cast(pl.String).unique(maintain_order=True)
                              ).to_series().to_list()
    if files is None:
        files = [SourceFile(name, "", 0) for name in file_order]
    label = ", ".join(f.name for f in files)
    try:
        stages = check_stage_map(stage_map)
        suggestion = suggest_for(frame, kind=kind, preset=preset, mapping=mapping)
    except MappingError as err:
        if err.file is None:
            raise MappingError(err.message, file=label) from None
        raise
    _check_complete(suggestion, kind, label)
    chosen = presets.find_preset(suggestion.preset, kind=suggestion.kind,
                                 columns=suggestion.columns) if suggestion.preset else None
    report = ImportReport(kind=suggestion.kind, preset=suggestion.preset,
                          files=[f.name for f in files], mapping=dict(suggestion.mapping),
                          rows_read=frame.height)
    ctx = BuildContext(mapping=dict(suggestion.mapping), preset=chosen, files=file_order,
                       report=report, log=IssueLog(),
                       composed=chosen.composed_columns(suggestion.columns) if chosen else {},
                       survey=survey, stage_map=stages)
    from retention_core.workspace import conform

    canonical = conform(suggestion.kind, _BUILDERS[suggestion.kind](frame, ctx))
    report.issues = ctx.log.frame(frame)
    if canonical.height == 0:
        reasons = "; ".join(f"{r}: {n:,}" for r, n in report.by_reason.items()) or "none"
        raise InputError(f"no {report.unit} could be imported from {frame.height:,} rows "
                         f"(reasons: {reasons}); check the column mapping", file=label)
    return PreparedImport(kind=suggestion.kind, preset=suggestion.preset, suggestion=suggestion,
                          frame=canonical, report=report, files=list(files))


def prepare_import(sources: Source | Sequence[Source], *, kind: Kind | None = None,
                   preset: str | None = None, mapping: Mapping[str, str | None] | None = None,
                   stage_map: Mapping[str, str] | None = None, survey: str | None = None,
                   limits: Limits | None = None) -> PreparedImport:
    """Read files of one kind and turn them into canonical rows with a validation report.

    Parameters
    ----------
    sources
        Paths, or ``(file name, bytes)`` for uploads; several files of one kind are
        combined (a row repeated in a later file is taken from the later file).
    kind
        ``orders``, ``surveys`` or ``events``; detected from the header when ``None``.
    preset
        A known export format (:data:`retention_core.presets.PRESET_NAMES`); detected
        from the header when ``None``.
    mapping
        ``{field: source column}`` overriding the suggestion (``--map``).
    stage_map
        ``{raw event name: funnel stage}`` on top of the stage vocabulary (``--stage-map``).
    survey
        ``nps`` or ``csat`` for every answer of the files (``--survey``).
    limits
        Size limits of :mod:`retention_core.io`.

    Returns
    -------
    PreparedImport
        Raises :class:`retention_core.errors.RetentionError` (a message for people) for
        unreadable, empty or wrong-kind files, unknown mapping names, or files from which
        nothing can be imported.
    """
    raw, files = read_sources(sources, limits=limits)
    return prepare_raw(raw, files, kind=kind, preset=preset, mapping=mapping,
                       stage_map=stage_map, survey=survey)


def import_prepared(ws: Workspace, prepared: PreparedImport, *,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Write a prepared import into ``ws`` (one transaction; idempotent upsert).

    ``progress(rows stored, rows in all)`` is called as the rows are written.
    """
    return ws.import_frame(prepared.kind, prepared.frame, file_name=prepared.file_name,
                           file_hash=prepared.file_hash, preset=prepared.preset,
                           report=prepared.report.to_dict(), progress=progress)


def ingest_files(ws: Workspace, sources: Source | Sequence[Source], *,
                 kind: Kind | None = None, preset: str | None = None,
                 mapping: Mapping[str, str | None] | None = None,
                 stage_map: Mapping[str, str] | None = None, survey: str | None = None,
                 limits: Limits | None = None) -> tuple[PreparedImport, ImportResult]:
    """:func:`prepare_import` then write the rows into ``ws``.

    Importing the same rows again changes nothing (``ImportResult.new == updated == 0``);
    if anything fails, the workspace is left as it was.
    """
    prepared = prepare_import(sources, kind=kind, preset=preset, mapping=mapping,
                              stage_map=stage_map, survey=survey, limits=limits)
    return prepared, import_prepared(ws, prepared)


def options_per_kind(kinds: Sequence[Kind], mapping: Mapping[str, str] | None,
                     preset: str | None) -> dict[Kind, tuple[dict[str, str], str | None]]:
    """Share one command line's ``--map`` / ``--preset`` among the kinds of files given.

    With files of one kind everything goes to it (a wrong name is then reported by the
    import). With several kinds, a ``--map`` field goes to the kinds that have it and the
    preset to the kinds it reads; a field or preset that fits none of them is a
    :class:`MappingError`.
    """
    from retention_core.mapping import mappable_fields
    from retention_core.presets import GENERIC, PRESET_NAMES, find_preset

    mapping = dict(mapping or {})
    if len(kinds) == 1:
        return {kinds[0]: (mapping, preset)}
    for name in mapping:
        if not any(name in mappable_fields(k) for k in kinds):
            valid = sorted({f for k in kinds for f in mappable_fields(k)})
            raise MappingError(f"--map: {name!r} is not a field of {' or '.join(kinds)}; "
                               f"valid fields are {', '.join(valid)}")
    fitting: dict[Kind, str | None] = {}
    for kind in kinds:
        try:
            fitting[kind] = (GENERIC if preset == GENERIC else
                             find_preset(preset, kind=kind).name if preset else None)
        except MappingError:
            fitting[kind] = None
    if preset and not any(fitting.values()):
        find_preset(preset)  # an unknown name: its error lists the presets
        raise MappingError(f"--preset {preset} fits none of the files given "
                           f"({', '.join(kinds)}); presets: {', '.join(PRESET_NAMES)}")
    return {k: ({n: s for n, s in mapping.items() if n in mappable_fields(k)}, fitting[k])
            for k in kinds}
