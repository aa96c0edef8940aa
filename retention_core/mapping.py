"""Column mapping: which column of a file feeds which canonical column.

A file's header is matched against synonyms (English, Russian and Polish names a shop
or a spreadsheet would use) after normalising each name (lower case, accents removed,
punctuation and spaces turned into ``_``; ``"Data zamówienia"`` -> ``data_zamowienia``).
Known export formats (presets) are recognised first; their columns are exact.

Besides the canonical columns of SPEC.md's data model, a mapping may name a few
*helper* fields the import uses and does not store (``quantity`` and ``unit_price`` of a
line item, a ``refunded_amount`` subtracted from revenue, ``cancelled_at``, a
``billing_country`` used when ``country`` is empty, ``completed_at`` of a checkout).
They are listed in :data:`HELPER_FIELDS` and can be set with ``--map`` like any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from retention_core.errors import MappingError
from retention_core.schema import COLUMNS, FUNNEL_STAGES, KINDS, REQUIRED, Kind

# -- names -------------------------------------------------------------------------------

_NOT_DECOMPOSED = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "ø": "o", "đ": "d", "ё": "е"})


def normalise_name(name: str) -> str:
    """A column name in comparable form: ``"Data zamówienia "`` -> ``"data_zamowienia"``.

    Lower case; accents removed (``ó`` -> ``o``, ``ł`` -> ``l``; Cyrillic letters stay,
    ``й`` becomes ``и``); every run of characters that are not letters or digits
    becomes one ``_``.
    """
    text = unicodedata.normalize("NFKD", str(name).translate(_NOT_DECOMPOSED).lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_NOT_DECOMPOSED)
    return re.sub(r"[^\w]+|_+", "_", text).strip("_")


def _without_brackets(name: str) -> str:
    """``"Order Date (UTC)"`` -> ``"order_date"``: the name with bracketed notes dropped."""
    return normalise_name(re.sub(r"[(\[{].*?[)\]}]", " ", str(name)))


# -- what can be mapped -----------------------------------------------------------------

HELPER_FIELDS: dict[Kind, dict[str, str]] = {
    "orders": {
        "quantity": "items on a line (line-item exports); revenue = sum of quantity x unit_price",
        "unit_price": "price of one item on a line",
        "line_amount": "amount of one line; revenue = sum of the order's lines",
        "refunded_amount": "refunded part of the order, subtracted from revenue",
        "cancelled_at": "when the order was cancelled; set = cancelled (excluded)",
        "billing_country": "used as country when the shipping country is empty",
    },
    "surveys": {},
    "events": {
        "completed_at": "checkout export: when the checkout became an order (a purchase event)",
    },
}

# Columns set by the import itself, never taken from a file.
_DERIVED_ONLY = {"is_excluded", "event_id"}


def mappable_fields(kind: Kind) -> tuple[str, ...]:
    """Every field of ``kind`` a source column can be mapped to (canonical, then helpers)."""
    canonical = [c for c in COLUMNS[kind] if c not in _DERIVED_ONLY]
    return tuple(canonical) + tuple(HELPER_FIELDS[kind])


def required_fields(kind: Kind) -> tuple[str, ...]:
    """Fields a file must provide for ``kind`` (ids may be derived, so they are not listed)."""
    if kind == "orders":
        return ("ordered_at", "revenue")
    if kind == "surveys":
        return ("score",)
    return ("event_at", "raw_event")


# -- synonyms ------------------------------------------------------------------------------
# Normalised names, best first. Russian and Polish names as a local CRM / spreadsheet
# export would write them.

_CUSTOMER = ("customer_id", "customerid", "customer", "customer_email", "email", "e_mail",
             "client_id", "client", "buyer", "buyer_email", "user_id", "userid", "user",
             "billing_email", "email_billing", "contact_email",
             "id_клиента", "клиент", "покупатель", "email_клиента", "почта", "эл_почта",
             "id_klienta", "klient", "nabywca", "email_klienta", "kupujacy")
_COUNTRY = ("country", "shipping_country", "country_code", "ship_country", "страна",
            "страна_доставки", "kraj", "kraj_dostawy")
_DEVICE = ("device", "device_category", "device_type", "platform", "устройство",
           "тип_устройства", "urzadzenie", "typ_urzadzenia")
_CHANNEL = ("channel", "sales_channel", "marketing_channel", "source", "utm_source",
            "traffic_source", "acquisition_channel", "канал", "канал_продаж", "источник",
            "kanal", "kanal_sprzedazy", "zrodlo")
_PRODUCT = ("product", "product_name", "item_name", "item", "lineitem_name", "product_title",
            "description", "товар", "продукт", "наименование", "название_товара",
            "produkt", "nazwa_produktu", "towar", "nazwa")

SYNONYMS: dict[Kind, dict[str, tuple[str, ...]]] = {
    "orders": {
        "order_id": ("order_id", "orderid", "order_number", "order_no", "order_nr", "order",
                     "order_name", "invoice_no", "invoiceno", "invoice_number", "invoice",
                     "transaction_id", "номер_заказа", "id_заказа", "заказ", "номер",
                     "numer_zamowienia", "nr_zamowienia", "id_zamowienia", "zamowienie",
                     "numer", "id"),
        "customer_id": _CUSTOMER,
        "ordered_at": ("ordered_at", "order_date", "order_datetime", "order_time", "created_at",
                       "date_created", "created", "purchase_date", "invoice_date", "invoicedate",
                       "transaction_date", "date", "timestamp", "datetime", "дата_заказа",
                       "дата_создания", "дата", "data_zamowienia", "data_utworzenia", "data"),
        "revenue": ("revenue", "net_revenue", "order_total", "total", "total_amount",
                    "grand_total", "order_value", "total_price", "amount", "net_sales", "sales",
                    "value", "сумма_заказа", "сумма", "итого", "выручка", "стоимость",
                    "wartosc_zamowienia", "kwota_zamowienia", "kwota", "wartosc", "suma",
                    "razem"),
        "status": ("status", "order_status", "financial_status", "state", "статус",
                   "статус_заказа", "status_zamowienia"),
        "channel": _CHANNEL,
        "country": _COUNTRY,
        "device": _DEVICE,
        "discount_code": ("discount_code", "coupon_code", "coupon", "promo_code", "promo",
                          "voucher", "промокод", "купон", "kod_rabatowy", "kupon",
                          "kod_promocyjny"),
        "product": _PRODUCT,
        "category": ("category", "product_category", "product_type", "категория", "kategoria"),
        "delivered_late": ("delivered_late", "late_delivery", "is_late", "late",
                           "доставлен_с_опозданием", "опоздание", "opozniona_dostawa",
                           "spoznienie"),
        "returned": ("returned", "is_returned", "return", "возврат", "возвращен", "zwrot",
                     "zwrocono"),
        "quantity": ("quantity", "qty", "lineitem_quantity", "количество", "кол_во", "ilosc"),
        "unit_price": ("unit_price", "unitprice", "price", "item_price", "lineitem_price",
                       "цена", "цена_за_единицу", "cena", "cena_jednostkowa"),
        "line_amount": ("line_amount", "line_total", "line_revenue", "item_total",
                        "item_revenue", "сумма_позиции", "wartosc_pozycji"),
        "refunded_amount": ("refunded_amount", "refund_amount", "refunded", "refund",
                            "сумма_возврата", "kwota_zwrotu"),
        "cancelled_at": ("cancelled_at", "canceled_at", "cancelled_date", "дата_отмены",
                         "data_anulowania"),
        "billing_country": ("billing_country", "страна_плательщика", "kraj_platnika"),
    },
    "surveys": {
        "response_id": ("response_id", "responseid", "respondent_id", "answer_id",
                        "submission_id", "id_ответа", "id_odpowiedzi", "id"),
        "customer_id": _CUSTOMER,
        "responded_at": ("responded_at", "response_date", "submitted_at", "answered_at",
                         "created_at", "date", "timestamp", "datetime", "дата_ответа", "дата",
                         "data_odpowiedzi", "data"),
        "survey": ("survey", "survey_type", "metric", "опрос", "тип_опроса", "ankieta",
                   "typ_ankiety"),
        "score": ("score", "nps_score", "nps", "csat_score", "csat", "rating", "grade",
                  "likelihood_to_recommend", "recommend", "answer", "оценка", "балл",
                  "ocena", "punkty"),
        "channel": _CHANNEL,
        "touchpoint": ("touchpoint", "touch_point", "contact_point", "точка_контакта",
                       "punkt_kontaktu"),
        "product": _PRODUCT,
        "country": _COUNTRY,
        "device": _DEVICE,
        "comment": ("comment", "comments", "feedback", "text", "verbatim", "explication",
                    "reason", "why", "комментарий", "отзыв", "komentarz", "opinia", "uwagi"),
    },
    "events": {
        "session_id": ("session_id", "sessionid", "session", "user_session", "visit_id",
                       "checkout_id", "cart_id", "сессия", "id_сессии", "sesja", "id_sesji"),
        "customer_id": _CUSTOMER + ("user_pseudo_id", "visitor_id", "пользователь",
                                    "uzytkownik"),
        "event_at": ("event_at", "event_time", "event_timestamp", "event_date_time",
                     "timestamp", "time", "datetime", "created_at", "date", "время",
                     "дата_события", "дата", "czas", "data_zdarzenia", "data"),
        "raw_event": ("raw_event", "event", "event_type", "event_name", "action",
                      "behavior_type", "behaviour_type", "behavior", "behaviour", "type",
                      "stage", "событие", "тип_события", "действие", "zdarzenie",
                      "typ_zdarzenia", "akcja"),
        "device": _DEVICE,
        "source": ("source", "traffic_source", "traffic_source_source", "utm_source", "channel",
                   "источник", "канал", "zrodlo", "kanal"),
        "value": ("value", "event_value", "event_value_in_usd", "revenue", "price", "amount",
                  "сумма", "цена", "wartosc", "kwota", "cena"),
        "completed_at": ("completed_at", "completed", "дата_оплаты", "data_realizacji"),
    },
}

# The tables above are written for people; compare them in normalised form ("й" -> "и").
_SYNONYMS_NORMALISED: dict[Kind, dict[str, tuple[str, ...]]] = {
    kind: {name: tuple(dict.fromkeys(normalise_name(s) for s in syns))
           for name, syns in table.items()}
    for kind, table in SYNONYMS.items()
}

# Fields whose presence tells what a file holds (detect_kind): a survey needs a score,
# events need an event name, orders an amount.
_KIND_MARKERS: dict[Kind, tuple[str, ...]] = {
    "orders": ("revenue", "line_amount", "unit_price", "order_id", "ordered_at", "status"),
    "surveys": ("score", "comment", "survey", "response_id"),
    "events": ("raw_event", "session_id", "event_at", "completed_at"),
}


# -- suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingSuggestion:
    """How a file's columns map onto a canonical table.

    Attributes
    ----------
    kind
        ``orders``, ``surveys`` or ``events``.
    preset
        Name of the recognised export format, or ``None`` for a generic file.
    mapping
        ``{field: source column}`` for every field that has a source.
    missing
        Required fields without a source column (the import cannot run until they are
        mapped).
    columns
        The file's columns, in file order.
    overridden
        Fields set by the user (``--map`` or the page's editor).
    """

    kind: Kind
    preset: str | None
    mapping: dict[str, str]
    missing: tuple[str, ...]
    columns: tuple[str, ...]
    overridden: tuple[str, ...] = field(default=())

    @property
    def unmapped(self) -> tuple[str, ...]:
        """Columns of the file no field reads."""
        used = set(self.mapping.values())
        return tuple(c for c in self.columns if c not in used)


def _source_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if not str(c).startswith("_source_")]


def match_synonyms(columns: Sequence[str], kind: Kind, *,
                   taken: Iterable[str] = ()) -> dict[str, str]:
    """``{field: column}`` for the fields of ``kind`` found among ``columns`` by synonym.

    Each column feeds at most one field; a field takes the column matching its earliest
    synonym. Fields are served in the order of :func:`mappable_fields`, so ``order_id``
    claims ``id`` before anything else can.
    """
    used = set(taken)
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for col in columns:
        exact.setdefault(normalise_name(col), col)
        loose.setdefault(_without_brackets(col), col)
    out: dict[str, str] = {}
    for name in mappable_fields(kind):
        for syn in _SYNONYMS_NORMALISED[kind].get(name, ()):
            col = exact.get(syn) or loose.get(syn)
            if col is not None and col not in used:
                out[name] = col
                used.add(col)
                break
    return out


def detect_kind(columns: Sequence[str]) -> Kind | None:
    """Guess what a file holds from its header: orders, surveys or events (or ``None``).

    A kind scores two points per matched required field and one per other marker; a
    kind whose required fields are all found wins ties.
    """
    cols = _source_columns(columns)
    best: tuple[int, int, Kind] | None = None
    for kind in KINDS:
        found = match_synonyms(cols, kind)
        required = required_fields(kind)
        if kind == "orders" and "revenue" not in found and (
                "line_amount" in found or "unit_price" in found):
            found["revenue"] = found.get("line_amount") or found["unit_price"]
        complete = int(all(r in found for r in required))
        score = sum(2 for r in required if r in found) + sum(
            1 for m in _KIND_MARKERS[kind] if m in found and m not in required)
        if not any(m in found for m in _KIND_MARKERS[kind][:1]) and kind != "orders":
            score = 0  # no score column: not a survey; no event name: not an event log
        if score and (best is None or (complete, score) > best[:2]):
            best = (complete, score, kind)
    return best[2] if best else None


def suggest_mapping(columns: Sequence[str], *, kind: Kind | None = None,
                    preset: str | None = None) -> MappingSuggestion:
    """Suggest how ``columns`` map onto a canonical table.

    Parameters
    ----------
    columns
        The file's header (``_source_*`` bookkeeping columns are ignored).
    kind
        The table the file is meant for; detected from the header when ``None``.
    preset
        A preset name (:mod:`retention_core.presets`); detected when ``None``;
        ``"generic"`` for none (synonyms only).

    Returns
    -------
    MappingSuggestion
        Raises :class:`MappingError` when the kind cannot be told from the header or a
        named preset does not exist or does not fit ``kind``.
    """
    from retention_core import presets

    cols = _source_columns(columns)
    if kind is not None and kind not in KINDS:
        raise MappingError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    if preset == presets.GENERIC:
        chosen = None
    elif preset:
        chosen = presets.find_preset(preset, kind=kind, columns=cols)
    else:
        chosen = presets.detect_preset(cols, kind=kind)
    if chosen is not None:
        kind = chosen.kind
        mapping = chosen.map_columns(cols)
    else:
        if kind is None:
            kind = detect_kind(cols)
        if kind is None:
            raise MappingError(
                "cannot tell whether this file holds orders, survey answers or events: "
                f"none of its columns ({_listing(cols)}) is a known name. "
                "Name the kind (--orders/--surveys/--events) and map the columns with "
                "--map CANONICAL=SOURCE")
        mapping = match_synonyms(cols, kind)
    return MappingSuggestion(kind=kind, preset=chosen.name if chosen else None,
                             mapping=mapping, missing=_missing(kind, mapping),
                             columns=tuple(cols))


def _missing(kind: Kind, mapping: Mapping[str, str]) -> tuple[str, ...]:
    out = []
    for name in required_fields(kind):
        if name in mapping:
            continue
        if kind == "orders" and name == "revenue" and (
                "line_amount" in mapping or "unit_price" in mapping):
            continue
        if kind == "events" and name == "raw_event" and "completed_at" in mapping:
            continue  # a checkout table: the events are made from its two times
        out.append(name)
    return tuple(out)


def apply_overrides(suggestion: MappingSuggestion,
                    overrides: Mapping[str, str | None] | None) -> MappingSuggestion:
    """The suggestion with the user's choices applied (``--map`` / the page's editor).

    ``overrides`` maps a field to a source column, or to ``None`` / ``""`` to leave the
    field unmapped. A column given to one field is taken away from any other field that
    had it. Raises :class:`MappingError` naming the valid fields or columns when a name
    is unknown.
    """
    if not overrides:
        return suggestion
    kind = suggestion.kind
    fields = mappable_fields(kind)
    cols = suggestion.columns
    mapping = dict(suggestion.mapping)
    for name, source in overrides.items():
        if name not in fields:
            raise MappingError(f"--map: {name!r} is not a field of {kind}; valid fields are "
                               f"{', '.join(fields)}")
        if source is None or source == "":
            mapping.pop(name, None)
            continue
        if source not in cols:
            by_norm = {normalise_name(c): c for c in cols}
            if normalise_name(source) in by_norm:
                source = by_norm[normalise_name(source)]
            else:
                raise MappingError(f"--map {name}={source}: the file has no column {source!r}; "
                                   f"its columns are {_listing(cols)}")
        for other, col in list(mapping.items()):
            if col == source and other != name and other not in overrides:
                del mapping[other]
        mapping[name] = source
    return replace(suggestion, mapping=mapping, missing=_missing(kind, mapping),
                   overridden=tuple(overrides))


def _listing(cols: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(c) for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "") or "none"


# -- funnel stages -----------------------------------------------------------------------

# SPEC.md's vocabulary, plus the raw names a checkout export is turned into.
STAGE_VOCABULARY: dict[str, str] = {
    "view": "view", "pv": "view", "page_view": "view", "view_item": "view",
    "product_view": "view",
    "cart": "add_to_cart", "add_to_cart": "add_to_cart", "addtocart": "add_to_cart",
    "checkout": "checkout", "begin_checkout": "checkout", "checkout_started": "checkout",
    "buy": "purchase", "purchase": "purchase", "order": "purchase", "transaction": "purchase",
    "checkout_completed": "purchase",
}


def _stage_key(raw: str) -> str:
    return str(raw).strip().lower()


def check_stage_map(stage_map: Mapping[str, str] | None) -> dict[str, str]:
    """Validate ``--stage-map RAW=STAGE`` pairs; returns them keyed on the lower-cased raw name.

    A target that is not a funnel stage raises :class:`MappingError` listing the stages.
    """
    out: dict[str, str] = {}
    for raw, stage in (stage_map or {}).items():
        target = _stage_key(stage)
        if target not in FUNNEL_STAGES:
            raise MappingError(f"--stage-map {raw}={stage}: {stage!r} is not a funnel stage; "
                               f"use one of {', '.join(FUNNEL_STAGES)}")
        out[_stage_key(raw)] = target
    return out


def map_stages(raw_events: pl.Series, stage_map: Mapping[str, str] | None = None) -> pl.Series:
    """The funnel stage of each raw event name (``None`` when it is not a funnel stage).

    ``stage_map`` (from :func:`check_stage_map`) wins over :data:`STAGE_VOCABULARY`;
    names are compared trimmed and lower-cased, so ``Add_To_Cart`` is ``add_to_cart``.
    """
    table = {**STAGE_VOCABULARY, **check_stage_map(stage_map)}
    keys = raw_events.cast(pl.String).str.strip_chars().str.to_lowercase()
    return keys.replace_strict(table, default=None, return_dtype=pl.String).alias("stage")


def describe_fields(kind: Kind) -> dict[str, str]:
    """A one-line description of each mappable field (for `--help` and the page)."""
    notes = {name: ("required" if name in required_fields(kind) else
                    "id; derived from the row when missing" if name in REQUIRED[kind] else
                    "optional") for name in COLUMNS[kind] if name not in _DERIVED_ONLY}
    notes.update(HELPER_FIELDS[kind])
    return notes
