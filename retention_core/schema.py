"""The canonical tables every import is mapped onto (SPEC.md, "Data model").

Column names here are the only identifiers that ever appear in SQL; names from
uploaded files are mapped onto them before any query runs.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["orders", "surveys", "events"]
KINDS: tuple[Kind, ...] = ("orders", "surveys", "events")

# name -> DuckDB type; the first entries of each table are required.
ORDERS_COLUMNS: dict[str, str] = {
    "order_id": "VARCHAR",
    "customer_id": "VARCHAR",
    "ordered_at": "TIMESTAMP",
    "revenue": "DOUBLE",
    "status": "VARCHAR",
    "channel": "VARCHAR",
    "country": "VARCHAR",
    "device": "VARCHAR",
    "discount_code": "VARCHAR",
    "product": "VARCHAR",
    "category": "VARCHAR",
    "delivered_late": "BOOLEAN",
    "returned": "BOOLEAN",
    # True for cancelled / refunded / voided / failed orders: kept in the table so a
    # later export can flip them, excluded from every metric through `kept_orders`.
    "is_excluded": "BOOLEAN",
}
ORDERS_REQUIRED = ("order_id", "ordered_at", "revenue")

SURVEYS_COLUMNS: dict[str, str] = {
    "response_id": "VARCHAR",
    "customer_id": "VARCHAR",
    "responded_at": "TIMESTAMP",
    "survey": "VARCHAR",  # 'nps' (0-10) or 'csat' (1-5)
    "score": "INTEGER",
    "channel": "VARCHAR",
    "touchpoint": "VARCHAR",
    "product": "VARCHAR",
    "country": "VARCHAR",
    "device": "VARCHAR",
    "comment": "VARCHAR",
}
SURVEYS_REQUIRED = ("response_id", "survey", "score")

EVENTS_COLUMNS: dict[str, str] = {
    "event_id": "VARCHAR",  # identity of an event for idempotent re-import
    "session_id": "VARCHAR",
    "customer_id": "VARCHAR",
    "event_at": "TIMESTAMP",
    "stage": "VARCHAR",  # view / add_to_cart / checkout / purchase, or NULL
    "raw_event": "VARCHAR",
    "device": "VARCHAR",
    "source": "VARCHAR",
    "value": "DOUBLE",
}
EVENTS_REQUIRED = ("event_id", "session_id", "event_at", "raw_event")

COLUMNS: dict[Kind, dict[str, str]] = {
    "orders": ORDERS_COLUMNS,
    "surveys": SURVEYS_COLUMNS,
    "events": EVENTS_COLUMNS,
}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "orders": ORDERS_REQUIRED,
    "surveys": SURVEYS_REQUIRED,
    "events": EVENTS_REQUIRED,
}
KEYS: dict[Kind, str] = {"orders": "order_id", "surveys": "response_id", "events": "event_id"}

FUNNEL_STAGES = ("view", "add_to_cart", "checkout", "purchase")
SURVEY_TYPES = ("nps", "csat")

# Segment dimensions of an order that the global filters and segment comparisons use.
ORDER_SEGMENTS = ("channel", "country", "device", "discount_code", "product", "category",
                  "delivered_late", "returned")
SURVEY_SEGMENTS = ("channel", "touchpoint", "product", "country", "device")

# Statuses that exclude an order from metrics (SPEC.md: cancelled / refunded; the
# presets add voided and failed).
EXCLUDED_STATUSES = ("cancelled", "canceled", "refunded", "voided", "failed")
