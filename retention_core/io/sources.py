"""Getting the bytes of a source: a path or an uploaded ``(file name, bytes)``, with the size
limits applied, ``.gz`` stream-decompressed under a cap, and the format recognised from the
file name and its first bytes (a PNG renamed ``.csv`` is refused, not parsed). A plain text
file on disk is read only as far as its first bytes: the CSV reader parses it from disk."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePath

from retention_core.errors import InputError
from retention_core.io.limits import Limits, expands_too_much, file_too_big

Source = Path | str | tuple[str, bytes]

TEXT_EXTENSIONS = (".csv", ".tsv", ".txt", ".tab", ".psv", ".dat")
PARQUET_EXTENSIONS = (".parquet", ".pq")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SUPPORTED = "CSV (also .tsv/.txt), CSV.gz, Parquet or XLSX"

# First bytes of formats people upload by mistake -> what to call them.
_FOREIGN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls (or another Office) file"),
)


# How much of a text file on disk is read before its reader decides how to read the rest
# (more than the CSV reader's 64 KiB sample plus a byte-order mark).
HEAD_BYTES = 1 << 17


@dataclass
class Payload:
    """The bytes of one file, ready for a format reader.

    A plain (not compressed) text file given as a path is not read into memory here:
    ``path`` is set and ``data`` holds only its first :data:`HEAD_BYTES`; the CSV reader
    then reads the file from disk, or the whole content with :func:`load_whole`.
    """

    name: str  # the file name people know it by
    data: bytes  # content, decompressed (the first bytes only when ``path`` is set)
    fmt: str  # "csv" | "parquet" | "xlsx"
    compression: str | None = None  # "gzip" when it was a .gz
    path: Path | None = None  # the file on disk when ``data`` is its head
    size: int | None = None  # bytes in the file on disk, with ``path``


def source_name(source: Source) -> str:
    """The file name of a source, for messages."""
    if isinstance(source, tuple):
        return str(source[0])
    return PurePath(source).name or str(source)


def _read_bytes(source: Source, limits: Limits) -> tuple[str, bytes]:
    if isinstance(source, tuple):
        if len(source) != 2 or not isinstance(source[1], bytes | bytearray | memoryview):
            raise InputError("an upload must be given as (file name, content bytes)")
        name, data = str(source[0]), bytes(source[1])
        if len(data) > limits.max_file_bytes:
            raise file_too_big(name, len(data), limits)
        return name, data
    name, data, _size = _read_file(_as_path(source), limits)
    return name, data


def _as_path(source: Source) -> Path:
    if not isinstance(source, str | os.PathLike):
        raise InputError(f"cannot read {type(source).__name__!s}: give a file path or "
                         f"(file name, bytes)")
    return Path(source)


def _read_file(path: Path, limits: Limits, head: int | None = None) -> tuple[str, bytes, int]:
    """The file's name, its content (only the first ``head`` bytes if given) and size."""
    name = path.name or str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError("this is not a file (a folder?)", file=str(path))
        if size > limits.max_file_bytes:
            raise file_too_big(name, size, limits)
        with path.open("rb") as handle:
            data = handle.read(limits.max_file_bytes + 1 if head is None else head)
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except PermissionError:
        raise InputError("no permission to read the file", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", file=str(path)) from None
    if len(data) > limits.max_file_bytes:  # grew while we read it
        raise file_too_big(name, None, limits)
    return name, data, size


def load_whole(payload: Payload, limits: Limits) -> Payload:
    """``payload`` with all its bytes in ``data`` (read from disk when it holds the head)."""
    if payload.path is None:
        return payload
    name, data, _size = _read_file(payload.path, limits)
    return Payload(name, data, payload.fmt, payload.compression)


def file_size(path: Path) -> int | None:
    """The size of a file now (``None`` when it is gone)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def gunzip_capped(data: bytes, name: str, limits: Limits) -> bytes:
    """Decompress gzip data in bounded steps, refusing output beyond the limit.

    Never inflates blindly: at most ``max_decompressed_bytes + 1 MiB`` is ever produced.
    """
    out = bytearray()
    cap = limits.max_decompressed_bytes
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:
                    raise expands_too_much(name, limits)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"the .gz file is damaged or incomplete ({exc}); download it again",
                         file=name) from None
    return bytes(out)


def _suffixes(name: str) -> list[str]:
    return [s.lower() for s in PurePath(name).suffixes]


def _format_from_magic(data: bytes) -> str | None:
    if data.startswith(b"PAR1"):
        return "parquet"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\x1f\x8b"):
        return "gzip"
    return None


def _foreign(data: bytes) -> str | None:
    for magic, what in _FOREIGN_MAGIC:
        if data.startswith(magic):
            return what
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        return "an HTML/XML page"
    if head.startswith((b"{", b"[{")) and not head.startswith(b"{}"):
        return "a JSON document"
    return None


def load_source(source: Source, limits: Limits) -> Payload:
    """Read a source into memory and decide its format.

    A plain text file given as a path is read only as far as :data:`HEAD_BYTES` (see
    :class:`Payload`); everything else is read whole.

    Raises
    ------
    InputError
        File missing, unsupported type, damaged compression, or content of another kind.
    LimitError
        File or its decompressed content larger than ``limits`` allow.
    """
    if not isinstance(source, tuple):
        path = _as_path(source)
        name, head, size = _read_file(path, limits, HEAD_BYTES)
        suffixes = _suffixes(name)
        if suffixes[-1:] != [".gz"] and _format_from_magic(head) is None:
            return Payload(name, head, _content_format(name, head, suffixes), path=path,
                           size=size)
    name, data = _read_bytes(source, limits)
    suffixes = _suffixes(name)
    last = suffixes[-1] if suffixes else ""
    compression = None
    magic = _format_from_magic(data)
    if last == ".gz" or magic == "gzip":
        if magic != "gzip":
            raise InputError("the file is named .gz but is not gzip-compressed", file=name)
        data = gunzip_capped(data, name, limits)
        compression = "gzip"
        suffixes = suffixes[:-1] if last == ".gz" else suffixes
        magic = _format_from_magic(data)
        if magic == "gzip":
            raise InputError("the file is compressed twice (.gz inside .gz); unpack it once",
                             file=name)
    return Payload(name, data, _content_format(name, data, suffixes), compression)


def _content_format(name: str, data: bytes, suffixes: list[str]) -> str:
    """The format of (uncompressed) content named ``name`` (only its first bytes are looked at)."""
    last = suffixes[-1] if suffixes else ""
    magic = _format_from_magic(data)
    if last in (".xls",) and magic != "zip":
        what = _foreign(data)
        if what and "xls" in what:
            raise InputError("old Excel .xls files are not supported; open it in Excel or "
                             "LibreOffice and save it as .xlsx or CSV", file=name)
    if magic == "parquet":
        return "parquet"
    if magic == "zip":
        return "xlsx"
    what = _foreign(data)
    if what:
        raise InputError(f"this looks like {what}, not a data export; upload {SUPPORTED}",
                         file=name)
    if last in PARQUET_EXTENSIONS:
        raise InputError("the file is named .parquet but is not a Parquet file (it does not "
                         "start with PAR1)", file=name)
    if last in TEXT_EXTENSIONS or last in EXCEL_EXTENSIONS + (".xls",) or last == "":
        # A spreadsheet name on text content happens (shops export "CSV" named .xls).
        return "csv"
    raise InputError(f"unsupported file type {last!r}; upload {SUPPORTED}", file=name)
