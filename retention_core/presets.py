"""Known export formats (SPEC.md, "Reading real exports", presets).

A preset is data, not code: which column feeds which field, how the format is
recognised from its header, and a few switches the import pipeline
(:mod:`retention_core.ingest`) honours. Everything a preset does can also be done on
a generic file with ``--map`` (the helper fields of :mod:`retention_core.mapping`).

- ``shopify``: admin "Export orders" CSV. One row per line item, order fields only on
  an order's first row; one order per distinct ``Name``; customer = ``Email`` (trimmed,
  lower-cased, blank = guest); ordered_at = ``Created at``; revenue = ``Total`` -
  ``Refunded Amount``; ``Financial Status`` refunded / voided, or ``Cancelled at`` set,
  excludes the order; channel = ``Source``; country = ``Shipping Country`` else
  ``Billing Country``; discount_code = ``Discount Code``; product = the first line
  item's name; category = the first line item's ``Vendor`` (the export has no product
  type).
- ``shopify_checkouts``: "Export checkouts" (abandoned checkouts) CSV, one checkout per
  ``Id`` (line-item rows combined): a ``checkout_started`` event (stage checkout) at
  ``Created at`` and, when ``Completed at`` is set, a ``checkout_completed`` event
  (stage purchase) at that time. No add-to-cart event is made: carts that never
  reached checkout are not in this export, so an abandonment rate from it is the
  checkout abandonment rate; ``--stage-map checkout_started=add_to_cart`` declares the
  started checkouts as carts when that is what you want.
- ``woocommerce``: orders export (the "Advanced Order Export" plugin layout or the
  Analytics > Orders download): order number, status (``wc-`` prefix dropped;
  cancelled / refunded / failed excluded), billing e-mail (or customer) as customer,
  order total minus the refunded amount when the export has one.
- ``online_retail``: UCI Online Retail. One order per ``InvoiceNo``; invoices whose
  number starts with ``C`` are cancellations (stored as cancelled, excluded); revenue =
  sum of ``Quantity`` x ``UnitPrice``; customer = ``CustomerID`` (``17850.0`` ->
  ``17850``; blank = guest).
- ``ga4`` (events): BigQuery export flattened: ``event_name`` (stage by the vocabulary),
  ``event_timestamp`` in microseconds, ``user_pseudo_id`` as customer, session =
  ``user_pseudo_id`` + ``ga_session_id`` when the export has it (else the user),
  ``device.category``, ``traffic_source.source``.
- ``ga4`` (orders): a flattened GA4 *purchase items* table (no ``event_name``, one row per
  purchased item): one order per purchase event (``user_pseudo_id`` +
  ``event_timestamp``), revenue = sum of ``item_revenue_in_usd`` (else
  ``item_revenue``); a purchase event repeating the same items and amount as an earlier
  one of the same user on the same day is a duplicate hit and is rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from retention_core.errors import MappingError
from retention_core.mapping import normalise_name
from retention_core.schema import Kind


@dataclass(frozen=True)
class Preset:
    """One known export format for one kind of data.

    Attributes
    ----------
    name, kind, title
        Preset name (``--preset``), the table it fills, a label for people.
    signature
        Groups of normalised column names; the header must contain one name of every
        group for the preset to be recognised.
    columns
        ``{field: candidate column names}`` (normalised, best first).
    compose
        ``{field: column names}``: the field is the listed columns joined with ``:``
        (composite keys such as GA4's user + timestamp); used when the field has no
        mapped column and every listed column is present.
    excluded_statuses
        Status values (lower case) that exclude an order, on top of the generic ones.
    cancel_prefix
        Order ids starting with it are cancellations (UCI Online Retail ``C``).
    epoch_units
        ``{field: "s" | "ms" | "us"}`` for time columns stored as epoch integers.
    dedupe_baskets
        Reject an order repeating the items and amount of an earlier order of the same
        customer on the same day (duplicate purchase hits of web analytics).
    """

    name: str
    kind: Kind
    title: str
    signature: tuple[tuple[str, ...], ...]
    columns: dict[str, tuple[str, ...]]
    compose: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded_statuses: tuple[str, ...] = ()
    cancel_prefix: str | None = None
    epoch_units: dict[str, str] = field(default_factory=dict)
    dedupe_baskets: bool = False
    forbidden: tuple[str, ...] = ()

    def matches(self, columns: Sequence[str]) -> bool:
        """Whether a header is this format (every signature group found, no forbidden name)."""
        names = {normalise_name(c) for c in columns}
        return all(any(n in names for n in group) for group in self.signature) and not any(
            n in names for n in self.forbidden)

    def map_columns(self, columns: Sequence[str]) -> dict[str, str]:
        """``{field: source column}`` for the fields whose column is in the header."""
        by_norm: dict[str, str] = {}
        for col in columns:
            by_norm.setdefault(normalise_name(col), col)
        out: dict[str, str] = {}
        used: set[str] = set()
        for name, candidates in self.columns.items():
            for cand in candidates:
                col = by_norm.get(cand)
                if col is not None and col not in used:
                    out[name] = col
                    used.add(col)
                    break
        return out

    def composed_columns(self, columns: Sequence[str]) -> dict[str, list[str]]:
        """``{field: [source columns]}`` for composite fields whose columns are all present."""
        by_norm = {normalise_name(c): c for c in columns}
        out = {}
        for name, parts in self.compose.items():
            if all(p in by_norm for p in parts):
                out[name] = [by_norm[p] for p in parts]
        return out


_SHOPIFY = Preset(
    name="shopify", kind="orders", title="Shopify orders export",
    signature=(("name",), ("created_at",), ("total",),
               ("financial_status", "lineitem_name", "subtotal", "billing_country")),
    forbidden=("completed_at", "abandoned_checkout_url"),
    columns={
        "order_id": ("name",),
        "customer_id": ("email",),
        "ordered_at": ("created_at",),
        "revenue": ("total",),
        "refunded_amount": ("refunded_amount",),
        "status": ("financial_status",),
        "cancelled_at": ("cancelled_at",),
        "channel": ("source",),
        "discount_code": ("discount_code",),
        "country": ("shipping_country",),
        "billing_country": ("billing_country",),
        "product": ("lineitem_name",),
        "category": ("vendor",),
    },
    excluded_statuses=("refunded", "voided"),
)

_SHOPIFY_CHECKOUTS = Preset(
    name="shopify_checkouts", kind="events", title="Shopify abandoned checkouts export",
    signature=(("created_at",), ("completed_at", "abandoned_checkout_url"), ("id",),
               ("email", "total", "lineitem_name")),
    columns={
        "session_id": ("id",),
        "customer_id": ("email",),
        "event_at": ("created_at",),
        "completed_at": ("completed_at",),
        "value": ("total",),
        "source": ("source",),
    },
)

_WOOCOMMERCE = Preset(
    name="woocommerce", kind="orders", title="WooCommerce orders export",
    signature=(("order_number", "order_id", "order"),
               ("order_status", "status"),
               ("order_date", "date", "date_created"),
               ("order_total_amount", "order_subtotal_amount", "order_refund_amount",
                "customer_type", "email_billing", "first_name_billing")),
    forbidden=("financial_status", "lineitem_name"),
    columns={
        "order_id": ("order_number", "order_id", "order"),
        "status": ("order_status", "status"),
        "ordered_at": ("order_date", "date_created", "date"),
        "customer_id": ("email_billing", "billing_email", "customer_email", "customer_id",
                        "customer"),
        "revenue": ("order_total_amount", "order_total", "net_sales", "total"),
        "refunded_amount": ("order_refund_amount", "refund_amount", "refunded_amount"),
        "discount_code": ("coupon_code", "coupon_s", "coupons", "coupon"),
        "product": ("item_name", "product_s", "product_name", "products"),
        "country": ("country_code_shipping", "shipping_country", "country_code_billing",
                    "billing_country", "country"),
        "channel": ("attribution", "order_source", "source", "utm_source"),
    },
    excluded_statuses=("cancelled", "refunded", "failed"),
)

_ONLINE_RETAIL = Preset(
    name="online_retail", kind="orders", title="UCI Online Retail",
    signature=(("invoiceno", "invoice"), ("stockcode",), ("quantity",), ("invoicedate",),
               ("unitprice", "price"), ("customerid", "customer_id")),
    columns={
        "order_id": ("invoiceno", "invoice"),
        "ordered_at": ("invoicedate",),
        "quantity": ("quantity",),
        "unit_price": ("unitprice", "price"),
        "customer_id": ("customerid", "customer_id"),
        "country": ("country",),
        "product": ("description",),
    },
    cancel_prefix="C",
)

_GA4_EVENTS = Preset(
    name="ga4", kind="events", title="GA4 BigQuery export (flattened events)",
    signature=(("event_name",), ("event_timestamp",), ("user_pseudo_id",)),
    columns={
        "raw_event": ("event_name",),
        "event_at": ("event_timestamp",),
        "customer_id": ("user_pseudo_id",),
        "session_id": ("session_id",),
        "device": ("device_category",),
        "source": ("traffic_source_source", "source"),
        "value": ("event_value_in_usd", "ecommerce_purchase_revenue_in_usd",
                  "ecommerce_purchase_revenue", "purchase_revenue", "value"),
    },
    compose={"session_id": ("user_pseudo_id", "ga_session_id")},
    epoch_units={"event_at": "us"},
)

_GA4_ORDERS = Preset(
    name="ga4", kind="orders", title="GA4 purchase items (flattened, one row per item)",
    signature=(("event_timestamp",), ("user_pseudo_id",),
               ("item_revenue_in_usd", "item_revenue", "purchase_revenue_in_usd")),
    forbidden=("event_name",),
    columns={
        "order_id": ("transaction_id", "ecommerce_transaction_id"),
        "ordered_at": ("event_timestamp",),
        "customer_id": ("user_pseudo_id",),
        "line_amount": ("item_revenue_in_usd", "item_revenue"),
        "revenue": ("purchase_revenue_in_usd", "ecommerce_purchase_revenue_in_usd"),
        "country": ("country", "geo_country"),
        "device": ("device_category",),
        "product": ("item_name",),
        "category": ("item_category",),
        "channel": ("traffic_source_source", "source"),
    },
    compose={"order_id": ("user_pseudo_id", "event_timestamp")},
    epoch_units={"ordered_at": "us"},
    dedupe_baskets=True,
)

# Detection order matters: the more specific signature first.
PRESETS: tuple[Preset, ...] = (_SHOPIFY_CHECKOUTS, _SHOPIFY, _ONLINE_RETAIL, _GA4_EVENTS,
                               _GA4_ORDERS, _WOOCOMMERCE)
PRESET_NAMES: tuple[str, ...] = tuple(dict.fromkeys(p.name for p in PRESETS))
# `--preset generic`: no preset, even when a header looks like one (columns by synonyms).
GENERIC = "generic"


def detect_preset(columns: Sequence[str], *, kind: Kind | None = None) -> Preset | None:
    """The preset whose signature the header matches (of ``kind`` when given), else ``None``."""
    for preset in PRESETS:
        if (kind is None or preset.kind == kind) and preset.matches(columns):
            return preset
    return None


def find_preset(name: str, *, kind: Kind | None = None,
                columns: Sequence[str] | None = None) -> Preset:
    """The preset called ``name`` (``--preset``), for ``kind`` when given.

    Raises :class:`MappingError` naming the valid presets when there is none, or saying
    which kind of file the preset reads when ``kind`` does not fit.
    """
    key = normalise_name(name)
    candidates = [p for p in PRESETS if p.name == key]
    if not candidates:
        raise MappingError(f"unknown preset {name!r}; known presets are "
                           f"{', '.join(PRESET_NAMES)} (or {GENERIC} for none)")
    if kind is not None:
        fitting = [p for p in candidates if p.kind == kind]
        if not fitting:
            kinds = sorted({p.kind for p in candidates})
            raise MappingError(f"preset {key} reads {' or '.join(kinds)} files, not {kind}; "
                               f"pass the file as --{kinds[0]}")
        candidates = fitting
    if columns is not None and len(candidates) > 1:
        for preset in candidates:
            if preset.matches(columns):
                return preset
    return candidates[0]


def preset_names_for(kind: Kind) -> tuple[str, ...]:
    """Names of the presets that read ``kind`` files (for the Data page's choice)."""
    return tuple(dict.fromkeys(p.name for p in PRESETS if p.kind == kind))
