"""Fuzzing the whole import (read -> map -> validate -> store): never a traceback, and the
workspace is intact whatever the file holds."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_core.errors import RetentionError
from retention_core.ingest import ingest_files
from retention_core.workspace import Workspace

HEADERS = ["order_id", "Order ID", "customer_id", "Email", "ordered_at", "Created at", "Date",
           "Дата заказа", "Сумма", "Kwota", "revenue", "Total", "status", "channel", "device",
           "score", "NPS", "survey", "response_id", "event_name", "session_id", "event_time",
           "InvoiceNo", "Quantity", "UnitPrice", "CustomerID", "InvoiceDate", "Name", "x", ""]
VALUES = st.one_of(
    st.sampled_from(["", "NA", "-", "null", "2026-11-23", "23.11.2026", "11/23/2026",
                     "1700000000", "1 234,50", "$1,234.50", "12.5 PLN", "cancelled", "paid",
                     "10", "0", "-3", "C536379", "17850.0", "view", "cart", "purchase",
                     "=HYPERLINK(\"x\")", "a\nb", 'he said "hi"', "x" * 300]),
    st.text(alphabet=string.printable + "ąęółśżźćńДЖЩ€", max_size=20),
)


@st.composite
def csv_files(draw):
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7))
    rows = draw(st.lists(st.lists(VALUES, min_size=0, max_size=len(header) + 1), max_size=8))

    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in (sep, '"', "\n")) else v

    text = "\n".join(sep.join(cell(v) for v in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "cp1250", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # cut anywhere, even mid-character
    return data


GOOD = {
    "orders": (["order_id", "customer_id", "ordered_at", "revenue", "status"],
               [st.text(alphabet="0123456789#", min_size=1, max_size=4), st.sampled_from(["a", "b", ""]),
                st.sampled_from(["2026-01-05", "06.01.2026", "2026-01-07 10:00:00 +0200"]),
                st.sampled_from(["10", "1 234,50", "$5.00", "7.5 PLN"]),
                st.sampled_from(["paid", "cancelled", ""])]),
    "surveys": (["response_id", "score", "survey", "comment"],
                [st.text(alphabet="abc123", min_size=1, max_size=4), st.sampled_from(["0", "7", "10", "NA", ""]),
                 st.sampled_from(["nps", "csat"]), st.sampled_from(["ok", "", "=cmd|x"])]),
    "events": (["session_id", "event_time", "event_type"],
               [st.sampled_from(["s1", "s2"]), st.sampled_from(["2026-01-05 10:00:00", "1767607200"]),
                st.sampled_from(["view", "cart", "purchase", "fav"])]),
}


@st.composite
def near_valid_files(draw, kind):
    """A file of the right shape whose cells are sometimes garbage."""
    header, cells = GOOD[kind]
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        rows.append([draw(VALUES) if draw(st.integers(0, 9)) == 0 else draw(c) for c in cells])
    text = "\n".join(",".join('"' + v.replace('"', '""') + '"' for v in row)
                     for row in [header, *rows])
    return text.encode("utf-8")


def _content(ws: Workspace) -> list:
    cur = ws.cursor()
    return [cur.execute(f"select * exclude (import_id) from {t} order by all").fetchall()  # noqa: S608
            for t in ("orders", "surveys", "events")] + [ws.list_imports().height]


SEED_ORDERS = b"order_id,customer_id,ordered_at,revenue\n1,a,2026-01-05,10\n2,b,2026-01-06,20\n"


@st.composite
def fuzz_cases(draw):
    kind = draw(st.sampled_from(["orders", "surveys", "events"]))
    data = draw(st.one_of(csv_files(), near_valid_files(kind)))
    return data, kind


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzz_cases(), st.booleans())
def test_any_file_imports_correctly_or_fails_cleanly_leaving_the_workspace_intact(case, survey):
    data, kind = case
    ws = Workspace(":memory:")
    ingest_files(ws, [("seed.csv", SEED_ORDERS)], kind="orders")
    before = _content(ws)
    try:
        _, result = ingest_files(ws, [("fuzz.csv", data)], kind=kind,
                                 survey="nps" if survey and kind == "surveys" else None)
    except RetentionError as err:
        assert str(err).strip(), "an error must say what is wrong"
        assert "Traceback" not in str(err)
        assert _content(ws) == before  # nothing changed
    else:
        after = _content(ws)
        assert after[3] == before[3] + 1  # one more import in the list
        if kind == "orders":  # rows are added or replaced by key, never lost
            assert len(after[0]) >= len(before[0])
        else:  # another kind never touches the orders
            assert after[0] == before[0]
        assert result.new + result.updated + result.unchanged == result.rows
    # whatever happened, the workspace still answers queries
    assert ws.cursor().execute("select count(*) from kept_orders").fetchall()[0][0] >= 0
