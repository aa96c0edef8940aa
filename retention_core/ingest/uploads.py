"""Uploaded files grouped into batches: files with the same columns are read together.

The Data page reads each upload once (:func:`read_upload`), then
:func:`group_uploads` puts files with identical headers (one export per day, week 1 and
weeks 1-2...) into one batch that is mapped and imported as one, as SPEC.md asks for
several files of one kind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import polars as pl

from retention_core.errors import MappingError, RetentionError
from retention_core.ingest import SourceFile, read_sources, suggest_for
from retention_core.mapping import MappingSuggestion


@dataclass
class Upload:
    """One uploaded file as read (or the message saying why it cannot be)."""

    file: SourceFile
    frame: pl.DataFrame | None
    details: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        if self.frame is None:
            return ()
        return tuple(c for c in self.frame.columns if not c.startswith("_source_"))


@dataclass
class UploadBatch:
    """Files read together: their combined raw rows and how they look at first sight."""

    key: str
    files: list[SourceFile]
    frame: pl.DataFrame | None
    details: dict[str, str]
    error: str | None = None
    suggestion: MappingSuggestion | None = None
    detect_error: str | None = None

    @property
    def label(self) -> str:
        names = [f.name for f in self.files]
        return names[0] if len(names) == 1 else f"{names[0]} + {len(names) - 1} more"

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else self.frame.height


def read_upload(name: str, content: bytes, *, limits=None) -> Upload:
    """Read one uploaded file; a problem becomes ``Upload.error`` (a sentence), not an exception."""
    try:
        raw, files = read_sources([(name, content)], limits=limits)
    except RetentionError as err:
        digest = hashlib.sha256(content).hexdigest()
        return Upload(SourceFile(name, digest, len(content)), None, error=str(err))
    return Upload(files[0], raw.frame, dict(raw.details))


def group_uploads(uploads: list[Upload]) -> list[UploadBatch]:
    """Batches of uploads: files with the same columns together, in upload order.

    Each batch carries the detected mapping (or why detection failed, so the page can ask
    for the kind). Files that could not be read are batches of their own with the error.
    """
    groups: dict[tuple[str, ...], list[Upload]] = {}
    batches: list[UploadBatch] = []
    seen: dict[str, int] = {}
    for up in uploads:
        seen[up.file.name] = seen.get(up.file.name, 0) + 1
        if seen[up.file.name] > 1 and up.frame is not None:
            # two uploads with one name: tell their rows apart (a later file wins)
            unique = f"{up.file.name} ({seen[up.file.name]})"
            up = Upload(SourceFile(unique, up.file.sha256, up.file.size),
                        up.frame.with_columns(pl.lit(unique).alias("_source_file")),
                        up.details, up.error)
        if up.error is not None:
            batches.append(UploadBatch(key=up.file.sha256[:16], files=[up.file], frame=None,
                                       details={}, error=up.error))
            continue
        groups.setdefault(up.columns, []).append(up)
    for members in groups.values():
        frame = pl.concat([m.frame for m in members if m.frame is not None],
                          how="diagonal_relaxed")
        files = [m.file for m in members]
        key = hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()[:16]
        batch = UploadBatch(key=key, files=files, frame=frame, details=dict(members[0].details))
        try:
            batch.suggestion = suggest_for(frame)
        except MappingError as err:
            batch.detect_error = err.message
        batches.append(batch)
    return batches


def parse_stage_text(text: str) -> dict[str, str]:
    """``"1=view, 3=add_to_cart"`` -> ``{"1": "view", "3": "add_to_cart"}`` (the page's box).

    Raises :class:`MappingError` for a piece without ``=``.
    """
    out: dict[str, str] = {}
    for piece in text.replace(";", ",").replace("\n", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        raw, sep, stage = piece.partition("=")
        if not sep or not raw.strip() or not stage.strip():
            raise MappingError(f"stage mapping expects RAW=STAGE pairs separated by commas, "
                               f"got {piece!r}")
        out[raw.strip()] = stage.strip()
    return out
