"""Column mapping: synonyms in English, Russian and Polish, kind detection, overrides, stages."""

from __future__ import annotations

import polars as pl
import pytest

from retention_core.errors import MappingError
from retention_core.mapping import (
    apply_overrides,
    check_stage_map,
    detect_kind,
    map_stages,
    mappable_fields,
    normalise_name,
    suggest_mapping,
)


@pytest.mark.parametrize(("name", "expected"), [
    ("Data zamówienia", "data_zamowienia"),
    ("  Дата заказа ", "дата_заказа"),
    ("Kanał", "kanal"),
    ("Urządzenie", "urzadzenie"),
    ("device.category", "device_category"),
    ("Order #", "order"),
    ("Email (Billing)", "email_billing"),
    ("NPS_Score", "nps_score"),
    ("Kwota [PLN]", "kwota_pln"),
])
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


@pytest.mark.parametrize(("columns", "kind", "expected"), [
    # Russian CRM export
    (["Номер заказа", "Дата заказа", "Клиент", "Сумма", "Канал", "Страна", "Устройство"],
     "orders",
     {"order_id": "Номер заказа", "ordered_at": "Дата заказа", "customer_id": "Клиент",
      "revenue": "Сумма", "channel": "Канал", "country": "Страна", "device": "Устройство"}),
    # Polish shop export
    (["Numer zamówienia", "Data zamówienia", "Klient", "Kwota", "Kanał", "Kraj", "Urządzenie"],
     "orders",
     {"order_id": "Numer zamówienia", "ordered_at": "Data zamówienia", "customer_id": "Klient",
      "revenue": "Kwota", "channel": "Kanał", "country": "Kraj", "device": "Urządzenie"}),
    # English variants
    (["Order ID", "Email", "Date", "total"], "orders",
     {"order_id": "Order ID", "customer_id": "Email", "ordered_at": "Date", "revenue": "total"}),
    (["order_number", "customer", "created_at", "amount", "Status", "Coupon"], "orders",
     {"order_id": "order_number", "customer_id": "customer", "ordered_at": "created_at",
      "revenue": "amount", "status": "Status", "discount_code": "Coupon"}),
    (["Order Date (UTC)", "Order No", "Grand Total"], "orders",
     {"ordered_at": "Order Date (UTC)", "order_id": "Order No", "revenue": "Grand Total"}),
    (["InvoiceNo", "Qty", "Price", "InvoiceDate"], "orders",
     {"order_id": "InvoiceNo", "quantity": "Qty", "unit_price": "Price",
      "ordered_at": "InvoiceDate"}),
    # surveys
    (["id", "NPS", "Comment", "Date"], "surveys",
     {"response_id": "id", "score": "NPS", "comment": "Comment", "responded_at": "Date"}),
    (["user_id", "rating", "survey"], "surveys",
     {"customer_id": "user_id", "score": "rating", "survey": "survey"}),
    (["Клиент", "Оценка", "Комментарий", "Дата ответа"], "surveys",
     {"customer_id": "Клиент", "score": "Оценка", "comment": "Комментарий",
      "responded_at": "Дата ответа"}),
    (["Klient", "Ocena", "Komentarz"], "surveys",
     {"customer_id": "Klient", "score": "Ocena", "comment": "Komentarz"}),
    # events
    (["user_id", "session", "event_type", "timestamp"], "events",
     {"customer_id": "user_id", "session_id": "session", "raw_event": "event_type",
      "event_at": "timestamp"}),
    (["event_name", "user_id", "session_id", "event_time", "device"], "events",
     {"raw_event": "event_name", "customer_id": "user_id", "session_id": "session_id",
      "event_at": "event_time", "device": "device"}),
])
def test_synonyms_map_columns(columns, kind, expected):
    suggestion = suggest_mapping(columns, kind=kind)
    assert suggestion.kind == kind
    assert suggestion.preset is None
    assert suggestion.mapping == expected
    assert suggestion.missing == ()


@pytest.mark.parametrize(("columns", "kind"), [
    (["Номер заказа", "Дата заказа", "Сумма"], "orders"),
    (["Data zamówienia", "Kwota", "Klient"], "orders"),
    (["id", "nps", "satisfaction", "explication"], "surveys"),
    (["user_id", "text", "NPS_Score"], "surveys"),
    (["event_time", "event_type", "product_id", "price", "user_id", "user_session"], "events"),
    (["user_id", "item_id", "behavior_type", "time"], "events"),
])
def test_detect_kind(columns, kind):
    assert detect_kind(columns) == kind
    assert suggest_mapping(columns).kind == kind


def test_detect_kind_unknown_header_is_none_and_suggest_says_so():
    assert detect_kind(["foo", "bar"]) is None
    with pytest.raises(MappingError, match="cannot tell whether this file holds orders"):
        suggest_mapping(["foo", "bar"])


def test_one_column_feeds_one_field():
    # "id" could be the order id; "total" is revenue; nothing is mapped twice
    suggestion = suggest_mapping(["id", "date", "total", "value"], kind="orders")
    assert sorted(suggestion.mapping.values()) == sorted(set(suggestion.mapping.values()))
    assert suggestion.mapping["revenue"] == "total"


def test_missing_required_fields_are_listed():
    suggestion = suggest_mapping(["Order ID", "Email"], kind="orders")
    assert suggestion.missing == ("ordered_at", "revenue")
    assert set(suggestion.unmapped) == set()


def test_overrides_win_and_take_the_column_away_from_another_field():
    suggestion = suggest_mapping(["Order ID", "Date", "total", "shipped"], kind="orders")
    changed = apply_overrides(suggestion, {"ordered_at": "shipped", "order_id": None})
    assert changed.mapping["ordered_at"] == "shipped"
    assert "order_id" not in changed.mapping
    moved = apply_overrides(suggestion, {"revenue": "Date"})
    assert moved.mapping["revenue"] == "Date"
    assert "ordered_at" not in moved.mapping
    assert moved.missing == ("ordered_at",)
    # a source name differing only in case / spacing is accepted
    assert apply_overrides(suggestion, {"revenue": " TOTAL"}).mapping["revenue"] == "total"


def test_override_with_unknown_field_lists_the_valid_ones():
    suggestion = suggest_mapping(["Order ID", "Date", "total"], kind="orders")
    with pytest.raises(MappingError) as err:
        apply_overrides(suggestion, {"amount": "total"})
    text = str(err.value)
    assert "'amount' is not a field of orders" in text
    for name in ("order_id", "revenue", "ordered_at", "quantity", "unit_price"):
        assert name in text


def test_override_with_unknown_column_lists_the_file_columns():
    suggestion = suggest_mapping(["Order ID", "Date", "total"], kind="orders")
    with pytest.raises(MappingError) as err:
        apply_overrides(suggestion, {"revenue": "Sum"})
    assert "the file has no column 'Sum'" in str(err.value)
    assert "'Order ID', 'Date', 'total'" in str(err.value)


def test_mappable_fields_exclude_ids_the_import_makes():
    assert "is_excluded" not in mappable_fields("orders")
    assert "event_id" not in mappable_fields("events")
    assert "refunded_amount" in mappable_fields("orders")


def test_stage_vocabulary_and_stage_map():
    raw = pl.Series(["pv", "Page_View", "view_item", "cart", "AddToCart", "begin_checkout",
                     "buy", "transaction", "fav", None, "1", "4"])
    assert map_stages(raw).to_list() == [
        "view", "view", "view", "add_to_cart", "add_to_cart", "checkout", "purchase",
        "purchase", None, None, None, None]
    tianchi = map_stages(raw, {"1": "view", "4": "purchase", "fav": "add_to_cart"}).to_list()
    assert tianchi[-4:] == ["add_to_cart", None, "view", "purchase"]


def test_stage_map_rejects_unknown_stage():
    with pytest.raises(MappingError, match="'favourite' is not a funnel stage; use one of view, "
                                           "add_to_cart, checkout, purchase"):
        check_stage_map({"2": "favourite"})
