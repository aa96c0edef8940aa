"""The global filters (sidebar: date range, channel, country, device, period).

Every query takes them the same way: ``from scoped_orders($f_start, $f_end,
$f_channels, $f_countries, $f_devices)`` (also ``scoped_surveys`` and ``scoped_events``,
macros defined in ``sql/workspace/schema.sql``) with :meth:`Filters.params` bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("week", "month", "quarter")

SCOPE_ARGS = "$f_start, $f_end, $f_channels, $f_countries, $f_devices"


@dataclass(frozen=True)
class Filters:
    """Which orders, answers and events a view looks at.

    ``start`` and ``end`` are inclusive dates; empty tuples mean "all".
    """

    start: date | None = None
    end: date | None = None
    channels: tuple[str, ...] = field(default_factory=tuple)
    countries: tuple[str, ...] = field(default_factory=tuple)
    devices: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict[str, Any]:
        """Bound parameters for the ``scoped_*`` macros."""
        return {
            "f_start": datetime.combine(self.start, time()) if self.start else None,
            "f_end": datetime.combine(self.end + timedelta(days=1), time()) if self.end else None,
            "f_channels": list(self.channels) or None,
            "f_countries": list(self.countries) or None,
            "f_devices": list(self.devices) or None,
        }

    def is_empty(self) -> bool:
        return self == Filters()

    def describe(self) -> str:
        """The filters in words, for captions and reports."""
        parts = []
        if self.start or self.end:
            parts.append(f"{self.start or '…'} to {self.end or '…'}")
        for label, values in (("channel", self.channels), ("country", self.countries),
                              ("device", self.devices)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        return "; ".join(parts) if parts else "all data"


NO_FILTERS = Filters()
