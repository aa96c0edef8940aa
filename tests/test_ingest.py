"""The import pipeline end to end: files -> workspace, report, idempotency, failures."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_core.errors import InputError, MappingError, RetentionError
from retention_core.exports import to_safe_csv
from retention_core.ingest import ingest_files, prepare_import, prepare_raw
from retention_core.workspace import Workspace

DATA = Path(__file__).resolve().parent / "data"
SHOPIFY = DATA / "shopify_orders_small.csv"


def _content(ws: Workspace) -> dict[str, list[tuple]]:
    """Everything a metric could read, in a stable order."""
    cur = ws.cursor()
    return {
        "orders": cur.execute("select * exclude (import_id) from orders order by all").fetchall(),
        "surveys": cur.execute("select * exclude (import_id) from surveys order by all").fetchall(),
        "events": cur.execute("select * exclude (import_id) from events order by all").fetchall(),
    }


def _csv_bytes(header: list[str], rows: list[list[object]], *, sep: str = ",",
               encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


# -- idempotency and overlaps -------------------------------------------------------------


def test_importing_the_same_export_twice_changes_nothing():
    ws = Workspace(":memory:")
    _, first = ingest_files(ws, [SHOPIFY], kind="orders")
    assert (first.new, first.updated) == (7, 0)
    before = _content(ws)
    _, second = ingest_files(ws, [SHOPIFY], kind="orders")
    assert (second.new, second.updated, second.unchanged) == (0, 0, 7)
    assert _content(ws) == before
    assert ws.list_imports().height == 2


def test_overlapping_exports_are_not_double_counted(tmp_path):
    lines = SHOPIFY.read_bytes().decode().split("\n")
    # records: header + #1001 (3 physical lines: quoted note has a line break), so split on
    # whole orders: week 1 = #1001..#1003, weeks 1-2 = everything
    header_and_1001 = "\n".join(lines[:4])
    week1 = header_and_1001 + "\n" + "\n".join(lines[4:8]) + "\n"
    (tmp_path / "week1.csv").write_text(week1)
    ws = Workspace(":memory:")
    p1, r1 = ingest_files(ws, [tmp_path / "week1.csv"], kind="orders")
    assert p1.report.found == 3 and r1.new == 3
    p2, r2 = ingest_files(ws, [SHOPIFY], kind="orders")
    assert (r2.new, r2.updated, r2.unchanged) == (4, 0, 3)
    rows = ws.cursor().execute("select count(*), sum(revenue) from kept_orders").fetchall()
    assert rows == [(4, pytest.approx(225.5))]


def test_overlapping_files_read_together_take_each_order_from_the_later_file():
    header = ["Order ID", "Email", "Date", "Total", "Status"]
    week1 = _csv_bytes(header, [["1", "a@x", "2024-01-01", "10", "paid"],
                                ["2", "b@x", "2024-01-02", "20", "paid"]])
    weeks12 = _csv_bytes(header, [["2", "b@x", "2024-01-02", "20", "refunded"],
                                  ["3", "a@x", "2024-01-09", "30", "paid"]])
    p = prepare_import([("week1.csv", week1), ("weeks12.csv", weeks12)], kind="orders")
    orders = {r["order_id"]: r for r in p.frame.to_dicts()}
    assert sorted(orders) == ["1", "2", "3"]
    assert orders["2"]["status"] == "refunded" and orders["2"]["is_excluded"]
    assert p.report.duplicates == 1
    dup = p.report.issues.filter(pl.col("outcome") == "duplicate")
    assert dup.select("file", "row", "value").rows() == [("week1.csv", 3, "2")]
    assert "weeks12.csv" in dup.get_column("reason")[0]
    assert (p.report.found, p.report.kept, p.report.excluded) == (3, 2, 1)


def test_online_retail_daily_files_combine():
    text = (DATA / "online_retail_small.csv").read_text().splitlines()
    day1 = "\n".join(text[:9]) + "\n"
    day2 = "\n".join([text[0], text[9]]) + "\n"
    p = prepare_import([("2010-12-01.csv", day1.encode()), ("2010-12-02.csv", day2.encode())])
    assert p.preset == "online_retail"
    assert p.frame.height == 5
    assert p.report.files == ["2010-12-01.csv", "2010-12-02.csv"]


# -- failures leave the workspace alone ----------------------------------------------------


def test_a_bad_file_among_several_changes_nothing(tmp_path):
    path = tmp_path / "ws.duckdb"
    ws = Workspace(path)
    ingest_files(ws, [SHOPIFY], kind="orders")
    before, version, imports = _content(ws), ws.version, ws.list_imports()
    good = _csv_bytes(["Order ID", "Date", "Total"], [["9", "2024-05-01", "5"]])
    with pytest.raises(RetentionError, match="binary data"):
        ingest_files(ws, [("good.csv", good), ("broken.csv", b"\x00\x01\x02" * 100),
                          ("good2.csv", good)], kind="orders")
    assert _content(ws) == before
    assert ws.version == version
    assert ws.list_imports().equals(imports)
    # still usable, and the file on disk is sound after closing and reopening
    ingest_files(ws, [("good.csv", good)], kind="orders")
    ws.close()
    again = Workspace(path)
    assert again.counts()["orders"] == 8
    again.close()


def test_a_failure_while_writing_rolls_back(monkeypatch):
    ws = Workspace(":memory:")
    ingest_files(ws, [SHOPIFY], kind="orders")
    before, version = _content(ws), ws.version
    prepared = prepare_import(DATA / "online_retail_small.csv")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("retention_core.workspace.datetime", type("D", (), {"now": boom}))
    from retention_core.ingest import import_prepared

    with pytest.raises(RuntimeError, match="disk full"):
        import_prepared(ws, prepared)
    assert _content(ws) == before
    assert ws.version == version


# -- clear messages -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "kind", "message"), [
    ("garbage.csv", bytes(range(256)) * 20, "orders", "binary data"),
    ("empty.csv", b"", "orders", "the file is empty"),
    ("header_only.csv", b"Order ID,Date,Total\n", "orders", "has a header but no data rows"),
    ("notes.csv", b"just some words\nmore words\n", "orders",
     "no column found for ordered_at, revenue (required for orders)"),
    ("notes.csv", b"just some words\nmore words\n", None,
     "cannot tell whether this file holds orders, survey answers or events"),
])
def test_bad_files_give_clear_messages(name, content, kind, message):
    with pytest.raises(RetentionError) as err:
        prepare_import([(name, content)], kind=kind)
    assert message in str(err.value)
    assert name in str(err.value)


@pytest.mark.parametrize(("path", "kind", "message"), [
    (DATA / "nps_benavent_small.csv", "orders",
     "this looks like survey answers, not orders: pass it with --surveys"),
    (SHOPIFY, "surveys", "this looks like a Shopify orders export, not surveys: pass it with --orders"),
    (DATA / "ga4_events_small.csv", "orders",
     "this looks like a GA4 BigQuery export (flattened events), not orders: pass it with --events"),
    (DATA / "online_retail_small.csv", "events",
     "this looks like a UCI Online Retail, not events: pass it with --orders"),
])
def test_wrong_kind_files_are_named(path, kind, message):
    with pytest.raises(InputError) as err:
        prepare_import(path, kind=kind)
    assert message in str(err.value)


def test_nothing_importable_is_an_error_not_an_empty_import():
    content = _csv_bytes(["Order ID", "Date", "Total"], [["1", "someday", "10"],
                                                         ["2", "2024-01-01", ""]])
    with pytest.raises(InputError, match="no orders could be imported from 2 rows"):
        prepare_import([("x.csv", content)], kind="orders")


def test_bad_mapping_names_raise_mapping_error():
    with pytest.raises(MappingError, match="'price' is not a field of orders"):
        prepare_import(SHOPIFY, kind="orders", mapping={"price": "Total"})
    with pytest.raises(MappingError, match="the file has no column 'Amount'"):
        prepare_import(SHOPIFY, kind="orders", mapping={"revenue": "Amount"})


# -- the report -----------------------------------------------------------------------------


def test_rejected_rows_have_reason_row_and_raw_values():
    content = _csv_bytes(
        ["Order ID", "Email", "Date", "Total", "Status"],
        [["1", "a@x", "2024-01-01", "10", "paid"],
         ["2", "b@x", "31.02.2024", "20", "paid"],       # no such day
         ["3", "c@x", "2024-01-03", "", "paid"],         # no amount
         ["4", "d@x", "2024-01-04", "lots", "paid"],     # unreadable amount
         ["5", "", "2024-01-05", "50", "Canceled"],      # excluded
         ["6", "", "2024-01-06", "60", "paid"]])         # guest
    p = prepare_import([("shop.csv", content)], kind="orders")
    r = p.report
    assert (r.rows_read, r.found, r.kept, r.excluded, r.rejected) == (6, 6, 2, 1, 3)
    assert r.guest_share == pytest.approx(1 / 2)
    issues = r.issues.select("outcome", "row", "column", "reason", "value").rows()
    assert issues == [
        ("rejected", 3, "Date", "unparseable date", "31.02.2024"),
        ("rejected", 4, "Total", "missing amount", None),
        ("rejected", 5, "Total", "unparseable amount", "lots"),
        ("excluded", 6, "Status", "cancelled", "Canceled"),
    ]
    # the raw values of each row ride along for the download
    assert r.issues.get_column("Email").to_list() == ["b@x", "c@x", "d@x", None]
    csv_bytes = r.issues_csv()
    assert csv_bytes == to_safe_csv(r.issues)
    assert b"unparseable date" in csv_bytes
    summary = r.to_dict()
    assert summary["by_reason"] == {"unparseable date": 1, "missing amount": 1,
                                    "unparseable amount": 1, "cancelled": 1}
    assert summary["issues"] == 4


def test_report_is_stored_with_the_import():
    ws = Workspace(":memory:")
    _, result = ingest_files(ws, [SHOPIFY], kind="orders")
    details = ws.import_details(result.import_id)
    assert details["kept"] == 4 and details["excluded"] == 3
    assert details["preset"] == "shopify"
    listed = ws.list_imports().row(0, named=True)
    assert listed["file_name"] == "shopify_orders_small.csv"
    assert listed["preset"] == "shopify"
    assert len(listed["file_hash"]) == 64


def test_file_without_order_id_gets_derived_ids_stable_on_reimport():
    content = _csv_bytes(["Date", "Customer", "Amount"],
                         [["2024-01-01", "a", "10"], ["2024-01-01", "a", "10"],
                          ["2024-01-02", "b", "5"]])
    p = prepare_import([("x.csv", content)], kind="orders")
    assert p.report.derived_ids == 3
    assert p.frame.get_column("order_id").n_unique() == 3  # identical rows stay two orders
    again = prepare_import([("renamed.csv", content)], kind="orders")
    assert again.frame.get_column("order_id").to_list() == p.frame.get_column("order_id").to_list()
    assert any("derived" in n for n in p.report.notes)


def test_line_amounts_and_conflicting_totals():
    content = _csv_bytes(["order", "date", "line_total", "customer"],
                         [["A", "2024-01-01", "10", "x"], ["A", "", "15.5", ""],
                          ["B", "2024-01-02", "7", "y"]])
    p = prepare_import([("lines.csv", content)], kind="orders")
    assert dict(p.frame.select("order_id", "revenue").rows()) == {"A": 25.5, "B": 7.0}
    clash = _csv_bytes(["order", "date", "total"],
                       [["A", "2024-01-01", "10"], ["A", "2024-01-01", "12"]])
    p = prepare_import([("clash.csv", clash)], kind="orders")
    assert p.frame.get_column("revenue").to_list() == [10.0]
    warn = p.report.issues.filter(pl.col("outcome") == "warning")
    assert "different order totals" in warn.get_column("reason")[0]


# -- local exports --------------------------------------------------------------------------


def test_russian_crm_export_windows_1251_semicolons_decimal_commas():
    content = _csv_bytes(
        ["Номер заказа", "Дата заказа", "Клиент", "Сумма", "Канал", "Страна", "Устройство",
         "Статус"],
        [["А-1", "23.11.2026", "Иван@Почта.ru", "1 234,50", "Email", "Россия", "Мобильный",
          "Выполнен"],
         ["А-2", "24.11.2026", "", "99,90", "Реклама", "Россия", "ПК", "Отменен"]],
        sep=";", encoding="cp1251")
    p = prepare_import([("заказы.csv", content)])
    assert p.kind == "orders"
    rows = {r["order_id"]: r for r in p.frame.to_dicts()}
    assert rows["А-1"]["revenue"] == 1234.5
    assert rows["А-1"]["ordered_at"] == datetime(2026, 11, 23)
    assert rows["А-1"]["customer_id"] == "иван@почта.ru"
    assert (rows["А-1"]["channel"], rows["А-1"]["country"], rows["А-1"]["device"]) == (
        "Email", "Россия", "Мобильный")
    assert rows["А-2"]["is_excluded"] and rows["А-2"]["status"] == "cancelled"
    assert "dd.mm.yyyy" in p.report.formats["ordered_at"]


def test_polish_shop_export_windows_1250():
    content = _csv_bytes(
        ["Numer zamówienia", "Data zamówienia", "Klient", "Kwota", "Kanał", "Kraj",
         "Urządzenie", "Status zamówienia"],
        [["Z/1", "05.03.2025", "jan@sklep.pl", "1 234,50 PLN", "Allegro", "Polska", "telefon",
          "zrealizowane"],
         ["Z/2", "06.03.2025", "ewa@sklep.pl", "49,99 PLN", "Sklep", "Polska", "komputer",
          "anulowane"]],
        sep=";", encoding="cp1250")
    p = prepare_import([("zamówienia.csv", content)], kind="orders")
    rows = {r["order_id"]: r for r in p.frame.to_dicts()}
    assert rows["Z/1"]["revenue"] == 1234.5
    assert rows["Z/1"]["ordered_at"] == datetime(2025, 3, 5)
    assert rows["Z/1"]["channel"] == "Allegro" and rows["Z/1"]["device"] == "telefon"
    assert rows["Z/2"]["is_excluded"]


# -- surveys --------------------------------------------------------------------------------


def test_benavent_latin1_na_answers_index_column_no_dates():
    p = prepare_import(DATA / "nps_benavent_small.csv")
    assert p.kind == "surveys"
    rows = {r["response_id"]: r for r in p.frame.to_dicts()}
    assert sorted(rows) == ["2368", "2482", "3466", "3547"]  # 2638 answered NA
    assert [rows[k]["score"] for k in sorted(rows)] == [10, 7, 3, 9]
    assert rows["2482"]["comment"] == "Il y a très peu de caisse ouverte, délai long"
    assert all(r["survey"] == "nps" and r["responded_at"] is None for r in rows.values())
    r = p.report
    assert (r.found, r.kept, r.rejected) == (5, 4, 1)
    assert r.by_reason == {"no answer (blank or NA score)": 1}
    assert r.issues.select("row", "value").rows() == [(4, "NA")]


def test_survey_scores_out_of_range_and_survey_column():
    content = _csv_bytes(["response_id", "date", "survey", "score"],
                         [["1", "2024-01-01", "NPS", "9"], ["2", "2024-01-01", "nps", "11"],
                          ["3", "2024-01-02", "CSAT", "5"], ["4", "2024-01-02", "csat", "0"],
                          ["5", "2024-01-02", "CES", "3"], ["6", "2024-01-03", "nps", "7.5"],
                          ["7", "2024-01-03", "nps", "N/A"]])
    p = prepare_import([("answers.csv", content)])
    assert p.frame.select("response_id", "survey", "score").rows() == [
        ("1", "nps", 9), ("3", "csat", 5)]
    assert p.report.by_reason == {
        "score out of range (0-10 for nps)": 1, "score out of range (1-5 for csat)": 1,
        "unknown survey type (use nps or csat)": 1, "score is not a whole number": 1,
        "no answer (blank or NA score)": 1}
    assert p.report.rejected == 5


def test_survey_declared_for_the_whole_file():
    content = _csv_bytes(["customer", "rating"], [["a", "5"], ["b", "4"], ["c", "9"]])
    with pytest.raises(MappingError, match="--survey nps|csat"):
        prepare_import([("csat.csv", content)], kind="surveys")
    p = prepare_import([("csat.csv", content)], kind="surveys", survey="csat")
    assert p.frame.get_column("score").to_list() == [5, 4]
    assert p.report.by_reason == {"score out of range (1-5 for csat)": 1}


def test_miro_multiline_comments_and_derived_answer_ids():
    p = prepare_import(DATA / "nps_miro_small.csv")
    assert p.kind == "surveys"
    assert p.frame.get_column("score").to_list() == [0, 6, 6, 10]
    assert p.frame.get_column("comment")[0] == "Templates are hard to find\nand nothing is free."
    assert p.report.derived_ids == 4
    assert p.frame.get_column("response_id").n_unique() == 4


# -- events ---------------------------------------------------------------------------------


def test_rees46_shaped_log_utc_suffix():
    content = _csv_bytes(
        ["event_time", "event_type", "product_id", "category_id", "category_code", "brand",
         "price", "user_id", "user_session"],
        [["2019-10-01 00:00:00 UTC", "view", "44600062", "2103", "", "shiseido", "35.79",
          "541312140", "s1"],
         ["2019-10-01 00:01:00 UTC", "cart", "44600062", "2103", "", "shiseido", "35.79",
          "541312140", "s1"],
         ["2019-10-01 00:05:00 UTC", "purchase", "44600062", "2103", "", "shiseido", "35.79",
          "541312140", "s1"],
         ["2019-10-01 00:05:00 UTC", "remove_from_cart", "1", "2", "", "", "1.00", "7", "s2"]])
    p = prepare_import([("2019-Oct.csv", content)])
    assert p.kind == "events"
    assert p.frame.select("session_id", "stage", "event_at").rows() == [
        ("s1", "view", datetime(2019, 10, 1, 0, 0)),
        ("s1", "add_to_cart", datetime(2019, 10, 1, 0, 1)),
        ("s1", "purchase", datetime(2019, 10, 1, 0, 5)),
        ("s2", None, datetime(2019, 10, 1, 0, 5))]
    assert p.frame.get_column("value").to_list() == [35.79, 35.79, 35.79, 1.0]


def test_tianchi_behaviour_codes_with_stage_map_and_customer_sessions():
    content = _csv_bytes(["user_id", "item_id", "behavior_type", "user_geohash", "item_category",
                          "time"],
                         [["98047837", "1", "1", "", "4245", "2014-12-06 02"],
                          ["98047837", "1", "1", "", "4245", "2014-12-06 02"],
                          ["98047837", "1", "3", "", "4245", "2014-12-06 03"],
                          ["98047837", "1", "4", "", "4245", "2014-12-06 05"],
                          ["97726136", "2", "2", "96nn52n", "5894", "2014-12-09 20"]])
    p = prepare_import([("tianchi.csv", content)],
                       stage_map={"1": "view", "3": "add_to_cart", "4": "purchase"})
    ev = p.frame
    assert ev.get_column("stage").to_list() == ["view", "view", "add_to_cart", "purchase", None]
    assert ev.get_column("session_id").to_list()[:4] == ["98047837"] * 4
    assert ev.get_column("event_id").n_unique() == 5  # the two identical views stay two
    assert ev.get_column("event_at")[0] == datetime(2014, 12, 6, 2)


def test_headerless_taobao_log_with_map():
    content = b"1,2268318,2520377,pv,1511544070\n1,2333346,2520771,cart,1511561733\n" \
              b"2,2576651,149192,buy,1511572885\n"
    with pytest.raises(MappingError, match="no column found for event_at, raw_event"):
        prepare_import([("UserBehavior.csv", content)], kind="events")
    p = prepare_import([("UserBehavior.csv", content)], kind="events",
                       mapping={"customer_id": "column_1", "raw_event": "column_4",
                                "event_at": "column_5"})
    # 1511544070 s after the epoch = 2017-11-24 17:21:10 UTC
    assert p.frame.get_column("event_at")[0] == datetime(2017, 11, 24, 17, 21, 10)
    assert p.frame.get_column("stage").to_list() == ["view", "add_to_cart", "purchase"]


def test_events_reimport_with_a_new_stage_map_updates_not_duplicates():
    content = _csv_bytes(["user_id", "behavior_type", "time"],
                         [["1", "1", "2014-12-06 02"], ["1", "4", "2014-12-06 05"]])
    ws = Workspace(":memory:")
    ingest_files(ws, [("t.csv", content)], kind="events")
    _, second = ingest_files(ws, [("t.csv", content)], kind="events",
                             stage_map={"1": "view", "4": "purchase"})
    assert (second.new, second.updated) == (0, 2)
    stages = ws.cursor().execute("select stage from events order by event_at").fetchall()
    assert stages == [("view",), ("purchase",)]


# -- property: line-item aggregation against a plain-Python reference ----------------------


line_items = st.lists(
    st.tuples(st.integers(1, 6),                      # order number
              st.integers(1, 5),                      # quantity
              st.integers(1, 2000),                   # price in cents
              st.sampled_from(["a@x.com", "B@x.com ", ""]),
              st.sampled_from(["paid", "refunded", "cancelled", "pending"])),
    min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line_items, st.integers(0, 24))
def test_line_item_aggregation_matches_reference(items, split):
    header = ["InvoiceNo", "Quantity", "UnitPrice", "InvoiceDate", "Email", "Status"]
    rows = [[f"N{o}", q, f"{p / 100:.2f}", f"2024-01-{o:02d} 10:00", e, s]
            for o, q, p, e, s in items]
    # reference: one order per number; revenue = sum q x p; order fields from the first row
    # that has them
    ref: dict[str, dict] = {}
    for o, q, p, e, s in items:
        entry = ref.setdefault(f"N{o}", {"revenue": 0, "customer": None, "status": s})
        entry["revenue"] += q * p
        entry["customer"] = entry["customer"] or e.strip().lower() or None
    expected = {k: (v["revenue"] / 100, v["customer"],
                    v["status"] in ("refunded", "cancelled")) for k, v in ref.items()}

    one = prepare_raw(pl.DataFrame([[str(c) for c in r] for r in rows], schema=header,
                                   orient="row"), kind="orders")
    got = {r["order_id"]: (r["revenue"], r["customer_id"], r["is_excluded"])
           for r in one.frame.to_dicts()}
    assert got.keys() == expected.keys()
    for key, (rev, cust, excl) in expected.items():
        assert got[key][0] == pytest.approx(rev)
        assert got[key][1:] == (cust, excl)
    assert one.report.kept + one.report.excluded == len(expected)

    # the same rows split into two overlapping exports (orders whole in each) give the same
    # orders: no double counting
    cut = {f"N{o}" for o, *_ in items[:split]}
    early = [r for r in rows if r[0] in cut]
    frame = pl.DataFrame([[str(c) for c in r] for r in early + rows], schema=header,
                         orient="row").with_columns(
        pl.Series("_source_file", ["week1.csv"] * len(early) + ["weeks12.csv"] * len(rows)),
        pl.Series("_source_row", list(range(2, len(early) + 2)) + list(range(2, len(rows) + 2))))
    both = prepare_raw(frame, kind="orders")
    assert both.frame.sort("order_id").equals(one.frame.sort("order_id"))


def test_command_line_options_shared_among_kinds():
    from retention_core.ingest import options_per_kind

    assert options_per_kind(["orders"], {"x": "y"}, "shopify") == {"orders": ({"x": "y"}, "shopify")}
    split = options_per_kind(["orders", "surveys"], {"revenue": "Sum", "score": "Note",
                                                     "customer_id": "Who"}, "shopify")
    assert split == {"orders": ({"revenue": "Sum", "customer_id": "Who"}, "shopify"),
                     "surveys": ({"score": "Note", "customer_id": "Who"}, None)}
    with pytest.raises(MappingError, match="'stage' is not a field of orders or surveys"):
        options_per_kind(["orders", "surveys"], {"stage": "x"}, None)
    with pytest.raises(MappingError, match="--preset woocommerce fits none of the files given"):
        options_per_kind(["surveys", "events"], {}, "woocommerce")
