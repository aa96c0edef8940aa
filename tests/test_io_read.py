"""read_raw / read_raw_many on generated files in every supported form."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zipfile

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from retention_core.errors import InputError
from retention_core.io import (
    SOURCE_FILE,
    SOURCE_ROW,
    RawTable,
    parse_datetime,
    parse_number,
    read_raw,
    read_raw_many,
)


def data_of(table: RawTable) -> list[dict]:
    return pl.DataFrame([table.frame.get_column(c) for c in table.columns]).to_dicts()


# --- encodings --------------------------------------------------------------------------

def test_windows_1251_semicolons_and_decimal_commas(tmp_path):
    text = ("Дата заказа;Сумма;Клиент;Город\n"
            "23.11.2026;1 234,50;Иванов Пётр;Москва\n"
            "24.11.2026 14:05;12,50;Сидорова;Санкт-Петербург\n")
    path = tmp_path / "заказы.csv"
    path.write_bytes(text.encode("cp1251"))
    table = read_raw(path)
    assert table.details["encoding"] == "windows-1251"
    assert table.details["separator"] == "semicolon (;)"
    assert table.details["header"] == "yes"
    assert table.columns == ["Дата заказа", "Сумма", "Клиент", "Город"]
    assert data_of(table)[1]["Город"] == "Санкт-Петербург"
    assert table.frame[SOURCE_ROW].to_list() == [2, 3]
    assert table.frame[SOURCE_FILE].to_list() == ["заказы.csv"] * 2
    amounts = parse_number(table.frame["Сумма"])
    assert amounts.values.to_list() == [1234.5, 12.5]
    assert "decimal comma" in amounts.detail
    dates = parse_datetime(table.frame["Дата заказа"])
    assert dates.values.to_list() == [dt.datetime(2026, 11, 23), dt.datetime(2026, 11, 24, 14, 5)]


def test_cp1250_polish():
    text = ("Data zamówienia;Kwota;Źródło;Miasto\n"
            "23.11.2026;12,50;sklep internetowy;Łódź\n"
            "24.11.2026;1.234,00;Allegro;Gdańsk\n")
    table = read_raw(("zamówienia.csv", text.encode("cp1250")))
    assert table.details["encoding"] == "windows-1250"
    assert table.columns == ["Data zamówienia", "Kwota", "Źródło", "Miasto"]
    assert [r["Miasto"] for r in data_of(table)] == ["Łódź", "Gdańsk"]
    assert parse_number(table.frame["Kwota"]).values.to_list() == [12.5, 1234.0]


def test_latin1_french():
    text = ("id,nps,explication\n"
            "1,10,Très bien, délai court\n"
            '2,3,"Il y a très peu de caisses ouvertes; l\'attente à la caisse"\n'
            "3,7,garçon très aimable\n")
    # Row 2 has an unquoted comma inside the comment: one field too many. read_raw
    # refuses it (naming the row) rather than shifting the columns silently.
    with pytest.raises(InputError) as err:
        read_raw(("nps.csv", text.encode("latin-1")))
    assert err.value.row == 2


def test_latin1_french_quoted():
    text = ("id;nps;explication\n"
            "1;10;Très bien, délai court\n"
            "2;3;l'attente à la caisse\n"
            "3;7;garçon très aimable\n")
    table = read_raw(("nps.csv", text.encode("latin-1")))
    assert table.details["encoding"] == "windows-1252"
    assert [r["explication"] for r in data_of(table)] == [
        "Très bien, délai court", "l'attente à la caisse", "garçon très aimable"]


def test_utf8_with_bom_and_crlf():
    text = "order_id,total\r\nA1,10.5\r\nA2,3\r\n"
    table = read_raw(("bom.csv", b"\xef\xbb\xbf" + text.encode()))
    assert table.details["encoding"] == "utf-8 (with BOM)"
    assert table.columns == ["order_id", "total"]
    assert data_of(table) == [{"order_id": "A1", "total": "10.5"},
                              {"order_id": "A2", "total": "3"}]


def test_utf16_with_bom():
    text = "id\tname\n1\tZoë\n"
    table = read_raw(("unicode.txt", text.encode("utf-16")))
    assert table.details["encoding"] == "utf-16"
    assert data_of(table) == [{"id": "1", "name": "Zoë"}]


# --- separators, quoting, headers -------------------------------------------------------

@pytest.mark.parametrize(("sep", "label"), [("\t", "tab"), ("|", "pipe (|)"),
                                            (",", "comma (,)"), (";", "semicolon (;)")])
def test_separators(sep, label):
    rows = [["id", "amount", "note"], ["1", "12.5", "a"], ["2", "7", "b"]]
    text = "\n".join(sep.join(r) for r in rows) + "\n"
    table = read_raw(("x.csv", text.encode()))
    assert table.details["separator"] == label
    assert data_of(table) == [{"id": "1", "amount": "12.5", "note": "a"},
                              {"id": "2", "amount": "7", "note": "b"}]


def test_separator_inside_quotes_does_not_count():
    # Every line has two commas inside quotes but only one real ';'.
    text = 'a;b\n"x,y,z";1\n"p,q,r";2\n"s,t,u";3\n'
    table = read_raw(("q.csv", text.encode()))
    assert table.details["separator"] == "semicolon (;)"
    assert data_of(table)[0] == {"a": "x,y,z", "b": "1"}


def test_quoted_multiline_fields_keep_row_numbers():
    text = ('user_id,text,score\n'
            '1,"first line\nsecond line",9\n'
            '2,"he said ""hi""",10\n'
            '3,plain,0\n')
    table = read_raw(("miro.csv", text.encode()))
    assert data_of(table) == [
        {"user_id": "1", "text": "first line\nsecond line", "score": "9"},
        {"user_id": "2", "text": 'he said "hi"', "score": "10"},
        {"user_id": "3", "text": "plain", "score": "0"},
    ]
    # Rows as a spreadsheet shows them: one record per row, header = row 1.
    assert table.frame[SOURCE_ROW].to_list() == [2, 3, 4]


def test_headerless_taobao_log():
    text = ("1,2268318,2520377,pv,1511544070\n"
            "1,2333346,2520771,pv,1511561733\n"
            "1,2576651,149192,cart,1511572885\n")
    table = read_raw(("UserBehavior.csv", text.encode()))
    assert table.details["header"] == "none"
    assert table.columns == ["column_1", "column_2", "column_3", "column_4", "column_5"]
    assert table.frame.height == 3
    assert table.frame[SOURCE_ROW].to_list() == [1, 2, 3]
    assert table.frame["column_4"].to_list() == ["pv", "pv", "cart"]
    times = parse_datetime(table.frame["column_5"])
    assert times.detail == "Unix epoch seconds"
    assert times.values[0] == dt.datetime(2017, 11, 24, 17, 21, 10)


def test_header_with_only_text_columns_is_a_header():
    table = read_raw(("t.csv", b"name,city\nAnna,Paris\nOla,Krakow\n"))
    assert table.details["header"] == "yes"
    assert table.columns == ["name", "city"]


def test_awkward_column_names_survive():
    text = ('" order id ",select,"""order""",Дата заказа,,id,id,_source_row,*,^id$\n'
            "1,2,3,4,5,6,7,8,9,10\n")
    table = read_raw(("names.csv", text.encode()))
    assert table.columns == ["order id", "select", '"order"', "Дата заказа", "column_5",
                             "id", "id (2)", "_source_row (2)", "*", "^id$"]
    assert data_of(table) == [{"order id": "1", "select": "2", '"order"': "3",
                               "Дата заказа": "4", "column_5": "5", "id": "6", "id (2)": "7",
                               "_source_row (2)": "8", "*": "9", "^id$": "10"}]


def test_short_rows_are_padded_and_blank_lines_skipped():
    text = "a,b,c\n1,2,3\n\n4,5\n6,7,8\n"
    table = read_raw(("short.csv", text.encode()))
    assert data_of(table) == [{"a": "1", "b": "2", "c": "3"},
                              {"a": "4", "b": "5", "c": None},
                              {"a": "6", "b": "7", "c": "8"}]
    assert table.frame[SOURCE_ROW].to_list() == [2, 4, 5]


def test_trailing_separator_on_data_rows_is_harmless():
    table = read_raw(("t.csv", b"a;b\n1;2;\n3;4;\n"))
    assert data_of(table) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_excel_sep_hint_line():
    table = read_raw(("t.csv", b"sep=;\na;b\n1,5;2\n"))
    assert table.details["separator"] == "semicolon (;)"
    assert data_of(table) == [{"a": "1,5", "b": "2"}]
    assert table.frame[SOURCE_ROW].to_list() == [3]


def test_classic_mac_line_endings():
    table = read_raw(("mac.csv", b"a,b\r1,2\r3,4\r"))
    assert data_of(table) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_header_only_file_gives_zero_rows():
    table = read_raw(("empty.csv", b"order_id,total,created_at\n"))
    assert table.frame.height == 0
    assert table.columns == ["order_id", "total", "created_at"]
    assert table.frame.schema["order_id"] == pl.String


def test_raw_text_is_kept_untouched():
    table = read_raw(("t.csv", b"id,zip,amount\n007, 0812 ,NA\n"))
    assert data_of(table) == [{"id": "007", "zip": " 0812 ", "amount": "NA"}]


# --- compressed and binary formats ------------------------------------------------------

def test_csv_gz(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(b"id;kwota\n1;12,50\n"))
    table = read_raw(path)
    assert table.details["compression"] == "gzip"
    assert table.name == "orders.csv.gz"
    assert data_of(table) == [{"id": "1", "kwota": "12,50"}]


def test_zip_with_one_csv():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/orders.csv", "id,total\n1,2\n")
    table = read_raw(("orders.zip", buffer.getvalue()))
    assert table.details["compression"] == "zip"
    assert data_of(table) == [{"id": "1", "total": "2"}]


def test_parquet_keeps_native_types(tmp_path):
    frame = pl.DataFrame({
        "order id": ["a", "b"],
        "amount": [1.5, 2.0],
        "qty": [1, 2],
        "at": [dt.datetime(2024, 1, 1, 10), dt.datetime(2024, 1, 2)],
        "day": [dt.date(2024, 1, 1), None],
    })
    path = tmp_path / "orders.parquet"
    frame.write_parquet(path)
    table = read_raw(path)
    assert table.details["format"] == "parquet"
    assert_frame_equal(table.frame.drop(SOURCE_FILE, SOURCE_ROW), frame)
    assert table.frame[SOURCE_ROW].to_list() == [1, 2]
    assert parse_datetime(table.frame["day"]).values.to_list() == [dt.datetime(2024, 1, 1),
                                                                    None]


def _xlsx(path, rows, start_row=0, formats=None):
    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Orders")
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(start_row + r, c, value, date_format)
            elif value is not None:
                sheet.write(start_row + r, c, value)
    book.add_worksheet("Notes").write(0, 0, "ignored")
    book.close()


def test_xlsx_first_sheet_with_types_and_excel_row_numbers(tmp_path):
    path = tmp_path / "orders.xlsx"
    _xlsx(path, [["Order", "Created", "Total", "Note"],
                 ["#1", dt.datetime(2024, 3, 1, 9, 30), 12.5, "ok"],
                 ["#2", dt.datetime(2024, 3, 2, 18, 0), 7, None]], start_row=2)
    table = read_raw(path)
    assert table.details["format"] == "xlsx"
    assert table.details["sheet"] == "Orders"
    assert table.details["other sheets ignored"] == "Notes"
    assert table.columns == ["Order", "Created", "Total", "Note"]
    assert table.frame["Total"].dtype == pl.Float64
    assert table.frame["Total"].to_list() == [12.5, 7.0]
    assert parse_datetime(table.frame["Created"]).values.to_list() == [
        dt.datetime(2024, 3, 1, 9, 30), dt.datetime(2024, 3, 2, 18, 0)]
    # Header on Excel row 3, data on rows 4 and 5.
    assert table.frame[SOURCE_ROW].to_list() == [4, 5]


def test_xlsx_column_with_a_typo_stays_text(tmp_path):
    path = tmp_path / "typo.xlsx"
    _xlsx(path, [["id", "amount"], [1, 10.5], [2, "12,5 zł"], [3, "n/a"]])
    table = read_raw(path)
    # Not silently null: the typo is visible to the parser, which reads it.
    assert table.frame["amount"].dtype == pl.String
    assert table.frame["amount"].to_list() == ["10.5", "12,5 zł", "n/a"]
    parsed = parse_number(table.frame["amount"])
    assert parsed.values.to_list() == [10.5, None, None]
    assert parsed.invalid.to_list() == [False, True, False]


def test_xlsx_headerless(tmp_path):
    path = tmp_path / "log.xlsx"
    _xlsx(path, [[1, 2268318, "pv", 1511544070], [1, 2333346, "cart", 1511561733]])
    table = read_raw(path)
    assert table.details["header"] == "none"
    assert table.columns == ["column_1", "column_2", "column_3", "column_4"]
    assert table.frame[SOURCE_ROW].to_list() == [1, 2]


def test_xlsx_written_by_polars(tmp_path):
    path = tmp_path / "p.xlsx"
    pl.DataFrame({"Kwota": [1.5, 2.5], "Miasto": ["Łódź", "Gdańsk"]}).write_excel(path)
    table = read_raw(path)
    assert data_of(table) == [{"Kwota": 1.5, "Miasto": "Łódź"}, {"Kwota": 2.5, "Miasto": "Gdańsk"}]


# --- several files ----------------------------------------------------------------------

def test_read_many_unions_by_column_name():
    a = ("2010-12-01.csv", b"InvoiceNo,Quantity,Country\n536365,6,United Kingdom\n")
    b = ("2010-12-02.csv", b"InvoiceNo,Country,CustomerID\n536598,France,13090.0\n")
    table = read_raw_many([a, b])
    assert table.name == "2010-12-01.csv + 2010-12-02.csv"
    assert table.columns == ["InvoiceNo", "Quantity", "Country", "CustomerID"]
    assert data_of(table) == [
        {"InvoiceNo": "536365", "Quantity": "6", "Country": "United Kingdom", "CustomerID": None},
        {"InvoiceNo": "536598", "Quantity": None, "Country": "France", "CustomerID": "13090.0"},
    ]
    assert table.frame[SOURCE_FILE].to_list() == ["2010-12-01.csv", "2010-12-02.csv"]
    assert table.frame[SOURCE_ROW].to_list() == [2, 2]
    assert table.details["files"] == "2"


def test_read_many_mixed_formats(tmp_path):
    parquet = tmp_path / "b.parquet"
    pl.DataFrame({"id": ["2"], "total": [3.5]}).write_parquet(parquet)
    table = read_raw_many([("a.csv", b"id,total\n1,2\n"), parquet])
    assert table.frame["total"].dtype == pl.String
    assert table.frame["total"].to_list() == ["2", "3.5"]


def test_read_many_refuses_unrelated_files():
    with pytest.raises(InputError, match="no column in common") as err:
        read_raw_many([("orders.csv", b"id,total\n1,2\n"), ("nps.csv", b"score\n9\n")])
    assert "orders.csv" in str(err.value) and "nps.csv" in str(err.value)


def test_read_many_needs_files():
    with pytest.raises(InputError):
        read_raw_many([])


# --- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n\n  \n", "empty"),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    ("doc.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "PDF"),
    ("data.json", b'{"a": 1}', "JSON"),
    ("data.json", b"a,b\n1,2\n", "unsupported file type '.json'"),
    ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    ("page.csv", b"<!DOCTYPE html><html><body>Login</body></html>", "HTML"),
    ("broken.csv.gz", b"\x1f\x8b\x08\x00garbage", "damaged"),
    ("fake.csv.gz", b"a,b\n1,2\n", "not gzip"),
    ("fake.parquet", b"a,b\n1,2\n", "not a Parquet"),
    ("fake.xlsx", b"PK\x03\x04 not really a zip", "damaged"),
    ("binary.csv", bytes(range(256)) * 4, "binary"),
])
def test_bad_files_give_a_clear_input_error(name, content, message):
    with pytest.raises(InputError, match=message) as err:
        read_raw((name, content))
    assert name in str(err.value)


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_raw(tmp_path / "nope.csv")


def test_too_many_fields_names_the_row():
    text = "a,b\n1,2\n3,4\n5,6,7\n8,9\n"
    with pytest.raises(InputError) as err:
        read_raw(("ragged.csv", text.encode()))
    assert err.value.row == 4
    assert err.value.file == "ragged.csv"
    assert "more fields" in str(err.value)


def test_far_too_many_fields_names_the_row():
    text = "a,b\n1,2\n3,4,5,6,7\n"
    with pytest.raises(InputError) as err:
        read_raw(("ragged.csv", text.encode()))
    assert err.value.row == 3


def test_unclosed_quote_is_an_input_error():
    with pytest.raises(InputError) as err:
        read_raw(("q.csv", b'a,b\n1,"oops\n2,3\n'))
    assert err.value.file == "q.csv"


def test_quote_inside_an_unquoted_field_is_a_character():
    table = read_raw(("inch.csv", b'product,qty\n15" screen,1\nTV 55",2\n'))
    assert data_of(table) == [{"product": '15" screen', "qty": "1"},
                              {"product": 'TV 55"', "qty": "2"}]


def test_one_named_column_with_decimal_commas():
    table = read_raw(("kwoty.csv", b"Kwota\n1,5\n2,25\n"))
    assert table.details["separator"] == "none (one column)"
    assert data_of(table) == [{"Kwota": "1,5"}, {"Kwota": "2,25"}]
