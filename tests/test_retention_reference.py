"""A brute-force, plain-Python reference for the retention metrics (SPEC.md definitions).

Written from the definitions, not from the SQL: loops over customers, periods and days.
The property tests (test_retention_properties.py) compare the product against it; the
tests at the bottom check the reference itself on a hand-worked case.

Scope rules it implements (docs/metrics-retention.md): channel / country / device
filters select orders; the date-range start selects customers acquired from it on (and
the activity from it on) while earlier history still counts; "as of" is the latest kept
order date (before any filter), capped by the range end; orders after it do not exist.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, timedelta

EXCLUDED = {"cancelled", "canceled", "refunded", "voided", "failed"}


# -- periods -----------------------------------------------------------------------------

def p_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return date(day.year, day.month, 1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def p_add(start: date, k: int, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7 * k)
    months = k if period == "month" else 3 * k
    m = start.month - 1 + months
    return date(start.year + m // 12, m % 12 + 1, 1)


def p_next(start: date, period: str) -> date:
    return p_add(start, 1, period)


# -- scope -------------------------------------------------------------------------------

def kept(orders):
    return [o for o in orders
            if (o.get("status") or "").strip().lower() not in EXCLUDED]


def passes_dims(o, channels=(), countries=(), devices=()):
    return ((not channels or o.get("channel") in channels)
            and (not countries or o.get("country") in countries)
            and (not devices or o.get("device") in devices))


class Ref:
    """The data as a metric sees it at "as of"."""

    def __init__(self, orders, *, start=None, end=None, channels=(), countries=(), devices=(),
                 as_of=None):
        k = kept(orders)
        self.start = start
        explicit = as_of is not None
        if as_of is None and k:
            as_of = max(o["ordered_at"] for o in k).date()
        if as_of is not None and end is not None and end < as_of:
            as_of = end
        if as_of is not None and start is not None and as_of < start and not explicit:
            as_of = None
        self.as_of = as_of
        self.dims = (channels, countries, devices)
        if as_of is None:
            self.history = []
        else:
            self.history = [o for o in k if passes_dims(o, *self.dims)
                            and o["ordered_at"].date() <= as_of]
        self.start_dt = datetime.combine(start, datetime.min.time()) if start else None
        by_customer = defaultdict(list)
        for o in self.history:
            if o["customer_id"] is not None:
                by_customer[o["customer_id"]].append(o)
        for lst in by_customer.values():
            lst.sort(key=lambda o: (o["ordered_at"], o["order_id"]))
        self.by_customer = dict(by_customer)

    def in_range(self, o) -> bool:
        return self.start_dt is None or o["ordered_at"] >= self.start_dt

    def customers_in_scope(self):
        """Customers acquired in the range: first order on or after the range start."""
        return {c: lst for c, lst in self.by_customer.items() if self.in_range(lst[0])}

    def partial(self, start: date, period: str) -> bool:
        return (start == p_start(self.as_of, period)
                and self.as_of + timedelta(days=1) < p_next(start, period))

    # -- cohorts ---------------------------------------------------------------------

    def cohort_table(self, period: str, unbounded: bool, segment_of=None):
        """Rows (segment, cohort, size, k, period_start, retained, rate, partial)."""
        if self.as_of is None:
            return []
        current = p_start(self.as_of, period)
        groups = defaultdict(list)
        for c, lst in self.customers_in_scope().items():
            seg = segment_of(lst[0]) if segment_of else "all customers"
            groups[(seg, p_start(lst[0]["ordered_at"].date(), period))].append(c)
        rows = []
        for (seg, cohort), members in sorted(groups.items()):
            k = 0
            while p_add(cohort, k, period) <= current:
                p = p_add(cohort, k, period)
                retained = 0
                for c in members:
                    periods = {p_start(o["ordered_at"].date(), period) for o in self.by_customer[c]}
                    if (any(q >= p for q in periods) if unbounded else p in periods):
                        retained += 1
                rows.append((seg, cohort, len(members), k, p, retained,
                             retained / len(members), self.partial(p, period)))
                k += 1
        return rows

    # -- customer retention rate -----------------------------------------------------

    def crr(self, period: str, window: int):
        """Rows (period_start, S, E, N, crr, partial)."""
        if self.as_of is None or not self.by_customer:
            return []
        days = {c: sorted({o["ordered_at"].date() for o in lst})
                for c, lst in self.by_customer.items()}

        def active(at: date) -> int:  # at = the midnight starting day `at`
            return sum(1 for ds in days.values()
                       if any(at - timedelta(days=window) <= d < at for d in ds))

        first = min(ds[0] for ds in days.values())
        p = p_start(max(first, self.start) if self.start else first, period)
        rows = []
        while p <= p_start(self.as_of, period):
            end = min(p_next(p, period), self.as_of + timedelta(days=1))
            s, e = active(p), active(end)
            n = sum(1 for ds in days.values() if p <= ds[0] < end)
            rows.append((p, s, e, n, (e - n) / s if s else None, self.partial(p, period)))
            p = p_next(p, period)
        return rows

    # -- returning customers ---------------------------------------------------------

    def returning(self, period: str):
        """Rows (period_start, orders, new, returning, guest, revenue x4, shares x2, partial)."""
        if self.as_of is None:
            return []
        first_period = {c: p_start(lst[0]["ordered_at"].date(), period)
                        for c, lst in self.by_customer.items()}
        buckets = defaultdict(lambda: {"new": [0, 0.0], "returning": [0, 0.0], "guest": [0, 0.0]})
        for o in self.history:
            if not self.in_range(o):
                continue
            p = p_start(o["ordered_at"].date(), period)
            c = o["customer_id"]
            kind = ("guest" if c is None else
                    "returning" if first_period[c] < p else "new")
            buckets[p][kind][0] += 1
            buckets[p][kind][1] += o["revenue"]
        if not buckets:
            return []
        rows = []
        p = min(buckets)
        while p <= p_start(self.as_of, period):
            b = buckets.get(p) or {"new": [0, 0.0], "returning": [0, 0.0], "guest": [0, 0.0]}
            n_orders = sum(v[0] for v in b.values())
            revenue = sum(v[1] for v in b.values())
            rows.append((p, n_orders, b["new"][0], b["returning"][0], b["guest"][0], revenue,
                         b["new"][1], b["returning"][1], b["guest"][1],
                         b["returning"][0] / n_orders if n_orders else None,
                         b["returning"][1] / revenue if revenue else None,
                         self.partial(p, period)))
            p = p_next(p, period)
        return rows

    # -- time between orders, churn ----------------------------------------------------

    def gaps(self):
        """({days: gaps whose later order is in range}, {days: first-to-second counts})."""
        between, second = defaultdict(int), defaultdict(int)
        for lst in self.by_customer.values():
            for a, b in zip(lst, lst[1:], strict=False):
                if self.in_range(b):
                    between[(b["ordered_at"].date() - a["ordered_at"].date()).days] += 1
            if len(lst) >= 2 and self.in_range(lst[0]):
                second[(lst[1]["ordered_at"].date() - lst[0]["ordered_at"].date()).days] += 1
        return dict(between), dict(second)

    def churn(self, window: int):
        scope = self.customers_in_scope()
        churned = sum(1 for lst in scope.values()
                      if (self.as_of - lst[-1]["ordered_at"].date()).days >= window)
        to_second = [(lst[1]["ordered_at"].date() - lst[0]["ordered_at"].date()).days
                     for lst in scope.values() if len(lst) >= 2]
        return {"customers": len(scope), "churned": churned,
                "repeat_customers": sum(1 for lst in scope.values() if len(lst) >= 2),
                "median_days_to_second": statistics.median(to_second) if to_second else None}

    # -- order KPIs ----------------------------------------------------------------------

    def _kpis(self, orders, count_to=None):
        customers = {o["customer_id"] for o in orders if o["customer_id"] is not None}
        n = len(orders)
        revenue = sum(o["revenue"] for o in orders)
        with_id = sum(1 for o in orders if o["customer_id"] is not None)
        count_to = count_to or (lambda c: sum(1 for o in orders if o["customer_id"] == c))
        repeaters = sum(1 for c in customers if count_to(c) >= 2)
        return {"customers": len(customers), "orders": n, "revenue": revenue,
                "aov": revenue / n if n else None,
                "purchase_frequency": with_id / len(customers) if customers else None,
                "repeat_purchase_rate": repeaters / len(customers) if customers else None}

    def order_kpis(self):
        return self._kpis([o for o in self.history if self.in_range(o)])

    def weekly_kpis(self):
        scoped = [o for o in self.history if self.in_range(o)]
        if not scoped:
            return []
        rows = []
        w = p_start(min(o["ordered_at"].date() for o in scoped), "week")
        while w <= p_start(self.as_of, "week"):
            end = w + timedelta(days=7)
            week_orders = [o for o in scoped if w <= o["ordered_at"].date() < end]

            def to_week_end(c, end=end):
                return sum(1 for o in scoped if o["customer_id"] == c and o["ordered_at"].date() < end)

            rows.append({"week": w, **self._kpis(week_orders, to_week_end)})
            w = end
        return rows


# -- the reference checked by hand -----------------------------------------------------

def _o(oid, cust, day, rev=10.0, status=None, **kw):
    return {"order_id": oid, "customer_id": cust, "ordered_at": datetime.fromisoformat(day),
            "revenue": rev, "status": status, **kw}


def test_reference_cohorts_by_hand():
    # a: Jan 5, Feb 10 -> cohort Jan, active Jan, Feb
    # b: Jan 20, Mar 3 -> cohort Jan, active Jan, Mar
    # c: Feb 2 (cancelled), Mar 9 -> cohort Mar (the cancelled order does not count)
    orders = [_o("1", "a", "2026-01-05"), _o("2", "a", "2026-02-10"),
              _o("3", "b", "2026-01-20"), _o("4", "b", "2026-03-03"),
              _o("5", "c", "2026-02-02", status="cancelled"), _o("6", "c", "2026-03-09")]
    ref = Ref(orders)
    assert ref.as_of == date(2026, 3, 9)
    rows = [(r[1].month, r[2], r[3], r[5]) for r in ref.cohort_table("month", False)]
    # Jan cohort (2): k0 2, k1 (Feb) a only = 1, k2 (Mar) b only = 1; Mar cohort (1): k0 1
    assert rows == [(1, 2, 0, 2), (1, 2, 1, 1), (1, 2, 2, 1), (3, 1, 0, 1)]
    unb = [r[5] for r in ref.cohort_table("month", True)]
    # unbounded Jan: k1 = a (Feb) and b (Mar) = 2, k2 = b = 1
    assert unb == [2, 2, 1, 1]
    # March 9 is not the last day of March: March is partial
    assert [r[7] for r in ref.cohort_table("month", False)] == [False, False, True, True]


def test_reference_crr_by_hand():
    # window 30 days; a orders Jan 1 and Jan 20, b orders Jan 25 and Feb 27.
    # February (Feb 1 .. Mar 1): S = active at Feb 1 = a, b (orders in Jan 2..Jan 31) -> 2;
    # E = active at the end of Feb 27 ("as of"), instant Feb 28: orders in Jan 29..Feb 27 ->
    # b only -> 1; N = 0 -> CRR = (1 - 0) / 2 = 0.5
    orders = [_o("1", "a", "2026-01-01"), _o("2", "a", "2026-01-20"),
              _o("3", "b", "2026-01-25"), _o("4", "b", "2026-02-27")]
    rows = Ref(orders).crr("month", 30)
    assert rows[1] == (date(2026, 2, 1), 2, 1, 0, 0.5, True)
    # January: S = 0 (nobody active at Jan 1) -> undefined; E = both, N = both
    assert rows[0] == (date(2026, 1, 1), 0, 2, 2, None, False)
