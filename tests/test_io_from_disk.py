"""A CSV given as a path is parsed straight from disk when it is UTF-8 (its bytes are never
held in memory next to the frame); whatever the route, the table and every error are
exactly what the same bytes given as an upload produce."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

import retention_core.io.csv_text as csv_text
from retention_core.errors import InputError
from retention_core.io import Limits, read_raw
from retention_core.io.sources import HEAD_BYTES

_HEADER = "order_id,customer,ordered_at,amount,note\n"


def _rows(n: int, note: str = "ok") -> str:
    return "".join(f"A{i:07d},c{i % 97},2024-01-{i % 28 + 1:02d} 10:00,{i % 500}.25,{note}\n"
                   for i in range(n))


# Enough rows that the file runs past the head read before the format is decided.
_LONG = _rows(HEAD_BYTES // 40 + 500)

CASES = {
    "utf8": (_HEADER + _rows(5)).encode(),
    "utf8 long": (_HEADER + _LONG).encode(),
    "utf8 BOM CRLF": b"\xef\xbb\xbf" + (_HEADER + _rows(5, "café")).replace("\n", "\r\n").encode(),
    "utf8 BOM long": b"\xef\xbb\xbf" + (_HEADER + _LONG + _rows(3, "Łódź")).encode(),
    "utf8 multibyte at the head's end": (_HEADER + "é" * (HEAD_BYTES - len(_HEADER) - 1)
                                         + "\n" + _rows(3)).encode(),
    "latin-1": (_HEADER + _rows(5, "café crème")).encode("cp1252"),
    "latin-1 after a long UTF-8 head": (_HEADER + _LONG + _rows(3, "crème")).encode("cp1252"),
    "windows-1251": ("Дата;Сумма;Клиент\n23.11.2026;1 234,50;Иванов Пётр\n").encode("cp1251"),
    "utf-16": "\ufeffid,amount\n1,10\n2,20\n".encode("utf-16-le"),
    "BOM then not UTF-8": b"\xef\xbb\xbfid,name\n1,caf\xe9\n",
    "quotes and line breaks": (_HEADER + 'A1,c1,2024-01-01,"1,50","two\nlines ""quoted"""\n'
                               'A2,c2,2024-01-02,3,x\n').encode(),
    "plain quote characters": b'id,screen\n1,5" wide\n2,7" wide\n',
    "sep hint and blank lines": b"\n\nsep=;\nid;amount\n1;2,5\n\n2;3\n",
    "classic Mac line ends": b"id,amount\r1,2\r3,4\r",
    "header only": _HEADER.encode(),
    "headerless": b"1511544070,12.5,3\n1511544071,13.5,4\n",
    "trailing separator": b"id,amount\n1,2,\n3,4,\n",
    "awkward names": b'" id ",*,^id$,,id\n1,2,3,4,5\n',
    "too many fields": (_HEADER + _rows(3) + "A9,c,2024-01-01,1,x,extra,more\n").encode(),
    "unclosed quote": (_HEADER + 'A1,c1,2024-01-01,1,"never closed\n' + _rows(3)).encode(),
    "zero bytes": b"id,amount\n1,\x002\n",
    "empty": b"",
    "blank": b"\n \n",
}


def _read(source, limits: Limits | None = None):
    """The table read from ``source``, or the error it gives, as comparable values."""
    try:
        table = read_raw(source, limits=limits)
    except InputError as err:
        return type(err), str(err)
    return table


@pytest.mark.parametrize("case", list(CASES))
def test_a_path_reads_exactly_like_the_same_bytes_uploaded(tmp_path, case):
    content = CASES[case]
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    from_disk = _read(path)
    uploaded = _read(("export.csv", content))
    if isinstance(uploaded, tuple):
        assert from_disk == uploaded
        return
    assert not isinstance(from_disk, tuple), from_disk
    assert from_disk.name == uploaded.name
    assert from_disk.details == uploaded.details
    assert_frame_equal(from_disk.frame, uploaded.frame)


@pytest.fixture
def whole_reads(monkeypatch):
    """The files the CSV reader had to read whole into memory."""
    names: list[str] = []
    real = csv_text.load_whole

    def spy(payload, limits):
        names.append(payload.name)
        return real(payload, limits)

    monkeypatch.setattr(csv_text, "load_whole", spy)
    return names


@pytest.mark.parametrize("case", ["utf8 long", "utf8 BOM long", "utf8 BOM CRLF",
                                  "utf8 multibyte at the head's end", "header only"])
def test_utf8_files_are_parsed_from_disk(tmp_path, case, whole_reads):
    path = tmp_path / "export.csv"
    path.write_bytes(CASES[case])
    read_raw(path)
    assert whole_reads == []


@pytest.mark.parametrize(("case", "encoding"), [
    ("latin-1", "windows-1252"),
    ("latin-1 after a long UTF-8 head", "windows-1252"),  # polars refuses the late byte
    ("windows-1251", "windows-1251"),
    ("utf-16", "utf-16"),
])
def test_other_encodings_are_read_whole_and_converted(tmp_path, case, encoding, whole_reads):
    path = tmp_path / "export.csv"
    path.write_bytes(CASES[case])
    table = read_raw(path)
    assert whole_reads == ["export.csv"]
    assert table.details["encoding"] == encoding


def test_a_late_latin1_value_is_converted_not_lost(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(CASES["latin-1 after a long UTF-8 head"])
    notes = read_raw(path).frame.get_column("note")
    assert notes.tail(3).to_list() == ["crème"] * 3
    assert notes.head(1).to_list() == ["ok"]


def test_the_row_limit_is_the_same_from_disk(tmp_path):
    content = CASES["utf8 long"]
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    limits = Limits(max_rows=100)
    from_disk = _read(path, limits)
    assert from_disk == _read(("export.csv", content), limits)
    assert "more than 100 rows" in from_disk[1]
