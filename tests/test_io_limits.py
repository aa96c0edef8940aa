"""Size limits: compressed files that expand too far, huge files, too many rows."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from pathlib import Path

import polars as pl
import pytest

from retention_core.errors import InputError, LimitError
from retention_core.io import Limits, read_raw, read_raw_many
from retention_core.io.limits import SETTINGS, human_bytes


def csv_rows(n: int) -> bytes:
    return ("id,total\n" + "".join(f"{i},{i}.5\n" for i in range(n))).encode()


def test_defaults_and_environment(monkeypatch):
    for _attr, env, _default, _help in SETTINGS:
        monkeypatch.delenv(env, raising=False)
    assert Limits() == Limits(max_file_bytes=1 << 30, max_decompressed_bytes=4 << 30,
                              max_rows=20_000_000)
    monkeypatch.setenv("RETENTION_MAX_ROWS", "5")
    monkeypatch.setenv("RETENTION_MAX_FILE_BYTES", "2_000")
    monkeypatch.setenv("RETENTION_MAX_DECOMPRESSED_BYTES", "not a number")
    limits = Limits()
    assert (limits.max_rows, limits.max_file_bytes) == (5, 2000)
    assert limits.max_decompressed_bytes == 4 << 30
    with pytest.raises(LimitError, match="RETENTION_MAX_ROWS"):
        read_raw(("x.csv", csv_rows(6)))


def test_every_setting_is_documented():
    docs = Path(__file__).parents[1] / "docs" / "formats.md"
    text = docs.read_text(encoding="utf-8")
    for attr, env, _default, _help in SETTINGS:
        assert attr in text and env in text


def test_human_bytes():
    assert human_bytes(1 << 30) == "1 GiB"
    assert human_bytes(1536) == "1.5 KiB"
    assert human_bytes(10) == "10 bytes"


def test_file_size_limit_for_uploads_and_paths(tmp_path):
    limits = Limits(max_file_bytes=1000)
    data = csv_rows(200)
    assert len(data) > 1000
    with pytest.raises(LimitError, match="RETENTION_MAX_FILE_BYTES") as err:
        read_raw(("big.csv", data), limits=limits)
    assert err.value.file == "big.csv"
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(LimitError):
        read_raw(path, limits=limits)
    assert read_raw(path, limits=Limits(max_file_bytes=len(data))).frame.height == 200


def test_small_gz_that_expands_past_the_limit_is_refused():
    bomb = gzip.compress(b"id,total\n" + b"0" * (64 << 20), compresslevel=9)
    assert len(bomb) < 200_000
    with pytest.raises(LimitError, match="RETENTION_MAX_DECOMPRESSED_BYTES") as err:
        read_raw(("bomb.csv.gz", bomb), limits=Limits(max_decompressed_bytes=1 << 20))
    assert "1 MiB" in str(err.value)
    assert err.value.file == "bomb.csv.gz"


def test_gz_under_the_limit_is_read():
    data = csv_rows(1000)
    table = read_raw(("ok.csv.gz", gzip.compress(data)),
                     limits=Limits(max_decompressed_bytes=len(data)))
    assert table.frame.height == 1000


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame({"id": [1, 2], "total": [1.5, 2.5]}).write_excel(buffer)
    return buffer.getvalue()


def _with_member(xlsx: bytes, name: str, payload: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, payload)
    return out.getvalue()


def test_zip_bomb_like_xlsx_is_refused():
    bomb = _with_member(_xlsx_bytes(), "xl/media/image1.bin", b"\0" * (64 << 20))
    assert len(bomb) < 200_000
    with pytest.raises(LimitError, match="expands to more than 1 MiB"):
        read_raw(("bomb.xlsx", bomb), limits=Limits(max_decompressed_bytes=1 << 20))
    assert read_raw(("bomb.xlsx", bomb)).frame.height == 2  # fine under the default


def _lie_about_sizes(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the declared uncompressed size of ``member`` in both zip headers."""
    raw = bytearray(data)
    name = member.encode()
    # Local file header: signature PK\3\4, uncompressed size at offset 22.
    pos = raw.find(b"PK\x03\x04")
    while pos != -1:
        name_len = struct.unpack_from("<H", raw, pos + 26)[0]
        if raw[pos + 30:pos + 30 + name_len] == name:
            struct.pack_into("<I", raw, pos + 22, size)
        pos = raw.find(b"PK\x03\x04", pos + 4)
    # Central directory: signature PK\1\2, uncompressed size at offset 24.
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46:pos + 46 + name_len] == name:
            struct.pack_into("<I", raw, pos + 24, size)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def test_xlsx_member_lying_about_its_size_is_refused():
    bomb = _with_member(_xlsx_bytes(), "xl/media/image1.bin", b"\0" * (16 << 20))
    liar = _lie_about_sizes(bomb, "xl/media/image1.bin", 100)
    with pytest.raises((LimitError, InputError)):
        read_raw(("liar.xlsx", liar), limits=Limits(max_decompressed_bytes=1 << 20))


def test_row_limit_csv():
    assert read_raw(("ok.csv", csv_rows(100)), limits=Limits(max_rows=100)).frame.height == 100
    with pytest.raises(LimitError, match="more than 100 rows") as err:
        read_raw(("big.csv", csv_rows(101)), limits=Limits(max_rows=100))
    assert "RETENTION_MAX_ROWS" in str(err.value)


def test_row_limit_headerless_csv():
    data = "".join(f"{i},{1511544070 + i},pv\n" for i in range(11)).encode()
    assert read_raw(("log.csv", data), limits=Limits(max_rows=11)).frame.height == 11
    with pytest.raises(LimitError):
        read_raw(("log.csv", data), limits=Limits(max_rows=10))


def test_row_limit_parquet_and_xlsx():
    buffer = io.BytesIO()
    pl.DataFrame({"id": list(range(50))}).write_parquet(buffer)
    with pytest.raises(LimitError):
        read_raw(("x.parquet", buffer.getvalue()), limits=Limits(max_rows=49))
    xlsx = io.BytesIO()
    pl.DataFrame({"id": list(range(50))}).write_excel(xlsx)
    with pytest.raises(LimitError):
        read_raw(("x.xlsx", xlsx.getvalue()), limits=Limits(max_rows=49))
    assert read_raw(("x.xlsx", xlsx.getvalue()), limits=Limits(max_rows=50)).frame.height == 50


def test_row_limit_applies_to_files_read_together():
    files = [("a.csv", csv_rows(60)), ("b.csv", csv_rows(60))]
    with pytest.raises(LimitError):
        read_raw_many(files, limits=Limits(max_rows=100))
    assert read_raw_many(files, limits=Limits(max_rows=120)).frame.height == 120
