"""Generate large, realistic, seeded data sets for the benchmarks (orders, surveys, events).

Everything is vectorised (numpy + polars): 10M orders take well under a minute.

Shape of the data (so the queries do realistic work):

- customers are acquired over ``--start``..``--end`` with a growing rate; about 60% buy
  once (SPEC.md: "more than 60% of customers buy only once"), repeat buyers have a
  geometric number of further orders spread over a customer-specific lifetime;
- about 4% of orders are cancelled or refunded, 3% are guest orders (no customer id);
- channel / country / device / discount / product / category with skewed frequencies;
- survey answers (NPS 0-10 and CSAT 1-5) for a sample of customers;
- funnel events: sessions that view, add to cart, check out and buy with drop-offs
  (mobile abandons more).

Usage::

    python -m benchmarks.generate --orders 10_000_000 --customers 2_000_000 \\
        --events 10_000_000 --formats parquet,csv

writes ``benchmarks/data/orders_10000000.parquet`` (and ``.csv``),
``surveys_10000000.*`` and ``events_10000000.*`` (the suffix is the order count, so files of
several sizes live side by side). ``--orders 2000 --out DIR`` makes a tiny set for tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

DATA_DIR = Path(__file__).resolve().parent / "data"
START = datetime(2019, 1, 1)
END = datetime(2026, 10, 31, 23, 59, 59)

CHANNELS = (("organic", 0.34), ("paid_search", 0.22), ("email", 0.16), ("social", 0.14),
            ("referral", 0.08), ("affiliate", 0.06))
COUNTRIES = (("US", 0.38), ("GB", 0.14), ("DE", 0.12), ("PL", 0.1), ("FR", 0.08),
             ("RU", 0.06), ("CA", 0.05), ("NL", 0.04), ("ES", 0.03))
DEVICES = (("desktop", 0.46), ("mobile", 0.44), ("tablet", 0.10))
CATEGORIES = ("apparel", "shoes", "accessories", "home", "beauty", "sports", "kids", "gifts")
STATUSES = (("completed", 0.96), ("cancelled", 0.025), ("refunded", 0.015))


@dataclass(frozen=True)
class Sizes:
    """How much to generate."""

    orders: int
    customers: int
    surveys: int
    events: int

    @classmethod
    def for_orders(cls, orders: int, customers: int | None = None, surveys: int | None = None,
                   events: int | None = None) -> Sizes:
        """Defaults scaled on the order count: customers = orders / 5 (2M for 10M orders),
        answers = orders / 20, events = orders."""
        customers = customers if customers is not None else max(1, orders // 5)
        return cls(orders, min(customers, orders),
                   surveys if surveys is not None else max(1, orders // 20),
                   events if events is not None else orders)


def _pick(rng: np.random.Generator, table: tuple[tuple[str, float], ...], n: int) -> pl.Series:
    """``n`` draws from a (value, probability) table as a categorical-free string column."""
    values = [v for v, _ in table]
    p = np.array([w for _, w in table])
    codes = rng.choice(len(values), size=n, p=p / p.sum()).astype(np.uint32)
    return pl.Series(values, dtype=pl.String).gather(pl.Series(codes))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """``C00000042``-style identifiers, vectorised."""
    digits = pl.Series(numbers.astype(np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + digits).to_series()


def _seconds(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def order_counts(rng: np.random.Generator, customers: int, orders: int) -> np.ndarray:
    """Orders per customer summing exactly to ``orders``: ~60% buy once, repeaters geometric."""
    repeat = rng.random(customers) < 0.4
    mean_extra = max((orders / customers - 1) / 0.4, 1e-9)
    extra = np.where(repeat, rng.geometric(min(1.0, 1 / mean_extra), customers), 0)
    counts = 1 + extra
    diff = orders - int(counts.sum())
    if diff > 0:  # top up repeat buyers (or anyone, when nobody repeats)
        pool = np.flatnonzero(repeat) if repeat.any() else np.arange(customers)
        np.add.at(counts, rng.choice(pool, size=diff), 1)
    while diff < 0:  # take orders back from customers with more than one
        pool = np.flatnonzero(counts > 1)
        take = rng.choice(pool, size=min(-diff, pool.size), replace=False)
        counts[take] -= 1
        diff += take.size
    return counts


def generate_orders(sizes: Sizes, seed: int) -> tuple[pl.DataFrame, np.ndarray]:
    """The orders table (canonical column names) and each customer's acquisition second."""
    rng = np.random.default_rng(seed)
    n, c = sizes.orders, sizes.customers
    span = _seconds(START, END)
    # acquisition grows over time: density ~ (1 + 2x) on [0, 1]
    u = rng.random(c)
    acquired = (np.sqrt(1 + 8 * u) - 1) / 2 * span
    counts = order_counts(rng, c, n)
    owner = np.repeat(np.arange(c), counts)
    first = np.zeros(n, dtype=bool)
    first[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
    # repeat orders spread over a lifetime of 30 days .. a few years, capped at END
    lifetime = np.minimum(rng.gamma(1.2, 400 * 86400, c), span - acquired)
    offset = np.where(first, 0.0, rng.random(n) * lifetime[owner])
    ordered_s = acquired[owner] + offset
    ordered_at = (np.datetime64(START, "s") + ordered_s.astype("timedelta64[s]")).astype(
        "datetime64[us]")
    # customers' own tastes: channel/country/device mostly stick to the first order's
    country_c = _pick(rng, COUNTRIES, c).to_numpy()
    device_c = _pick(rng, DEVICES, c).to_numpy()
    guest = rng.random(n) < 0.03
    customer = _ids("C", owner + 1, 8)
    customer = pl.select(pl.when(pl.Series(guest)).then(None).otherwise(customer)).to_series()
    revenue = np.round(rng.lognormal(3.8, 0.7, n) * np.where(first, 1.0, 1.15), 2)
    category_codes = rng.zipf(1.6, n) % len(CATEGORIES)
    product_codes = rng.zipf(1.3, n) % 500
    category = pl.Series(CATEGORIES).gather(pl.Series(category_codes.astype(np.uint32)))
    product = pl.select(pl.lit("SKU-") + pl.Series(product_codes).cast(pl.String)
                        .str.zfill(4)).to_series()
    discount = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.18))
        .then(pl.lit("SAVE") + pl.Series(rng.integers(1, 4, n) * 5).cast(pl.String))
        .otherwise(None)).to_series()
    device = np.where(rng.random(n) < 0.8, device_c[owner], _pick(rng, DEVICES, n).to_numpy())
    frame = pl.DataFrame({
        "order_id": _ids("O", np.arange(1, n + 1), 9),
        "customer_id": customer,
        "ordered_at": ordered_at,
        "revenue": revenue,
        "status": _pick(rng, STATUSES, n),
        "channel": _pick(rng, CHANNELS, n),
        "country": country_c[owner],
        "device": device,
        "discount_code": discount,
        "product": product,
        "category": category,
        "delivered_late": rng.random(n) < 0.08,
        "returned": rng.random(n) < 0.05,
    })
    # rows in time order, as shop exports are
    return frame.sort("ordered_at"), acquired


def generate_surveys(sizes: Sizes, acquired: np.ndarray, seed: int) -> pl.DataFrame:
    """NPS (70%) and CSAT (30%) answers of sampled customers, after their first order."""
    rng = np.random.default_rng(seed + 1)
    n, c = sizes.surveys, sizes.customers
    who = rng.integers(0, c, n)
    delay = rng.exponential(20 * 86400, n)
    at_s = np.minimum(acquired[who] + delay, _seconds(START, END))
    is_nps = rng.random(n) < 0.7
    nps = rng.choice(11, size=n, p=np.array([2, 1, 1, 2, 2, 4, 5, 9, 14, 25, 35]) / 100)
    csat = rng.choice(5, size=n, p=np.array([5, 7, 13, 35, 40]) / 100) + 1
    comments = ("fast delivery", "great quality", "late parcel", "too expensive",
                "will buy again", "support was helpful", "wrong size")
    comment = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.25))
        .then(pl.Series(comments).gather(pl.Series(rng.integers(0, len(comments), n)
                                                   .astype(np.uint32))))
        .otherwise(None)).to_series()
    return pl.DataFrame({
        "response_id": _ids("R", np.arange(1, n + 1), 9),
        "customer_id": _ids("C", who + 1, 8),
        "responded_at": (np.datetime64(START, "s") + at_s.astype("timedelta64[s]"))
        .astype("datetime64[us]"),
        "survey": np.where(is_nps, "nps", "csat"),
        "score": np.where(is_nps, nps, csat).astype(np.int32),
        "channel": _pick(rng, CHANNELS, n),
        "touchpoint": _pick(rng, (("post_purchase", 0.6), ("support", 0.25), ("web", 0.15)), n),
        "country": _pick(rng, COUNTRIES, n),
        "device": _pick(rng, DEVICES, n),
        "comment": comment,
    }).sort("responded_at")


def generate_events(sizes: Sizes, seed: int) -> pl.DataFrame:
    """Funnel events: sessions view -> add_to_cart -> checkout -> purchase with drop-offs."""
    rng = np.random.default_rng(seed + 2)
    target = sizes.events
    sessions = int(target / 1.5) + 10  # ~1.65 events a session: enough, then cut to size
    device = _pick(rng, DEVICES, sessions)
    mobile = (device == "mobile").to_numpy()
    # how far each session gets (0 = view only .. 3 = purchase); mobile abandons more
    u = rng.random(sessions)
    cart_p = np.where(mobile, 0.30, 0.38)
    depth = (u < cart_p).astype(np.int8)
    depth += (depth == 1) & (rng.random(sessions) < np.where(mobile, 0.45, 0.6))
    depth += (depth == 2) & (rng.random(sessions) < np.where(mobile, 0.55, 0.7))
    counts = depth.astype(np.int64) + 1
    total = int(counts.sum())
    sess = np.repeat(np.arange(sessions), counts)
    step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    start_s = rng.random(sessions) * _seconds(datetime(2024, 1, 1), END)
    gaps = rng.exponential(240, total) * (step > 0)
    at_s = start_s[sess] + np.cumsum(gaps) - np.repeat(
        np.concatenate([[0.0], np.cumsum(gaps)[np.cumsum(counts)[:-1] - 1]]), counts)
    stages = pl.Series(["view", "add_to_cart", "checkout", "purchase"])
    known = rng.random(sessions) < 0.35
    cust = rng.integers(1, max(2, sizes.customers), sessions)
    frame = pl.DataFrame({
        "session_id": _ids("S", sess + 1, 9),
        "customer_id": pl.select(pl.when(pl.Series(known[sess])).then(
            _ids("C", cust[sess], 8)).otherwise(None)).to_series(),
        "event_at": (np.datetime64(datetime(2024, 1, 1), "s") + at_s.astype("timedelta64[s]"))
        .astype("datetime64[us]"),
        "stage": stages.gather(pl.Series(step.astype(np.uint32))),
        "device": device.gather(pl.Series(sess.astype(np.uint32))),
        "source": _pick(rng, CHANNELS, sessions).gather(pl.Series(sess.astype(np.uint32))),
        "value": np.where(step >= 1, np.round(rng.lognormal(3.8, 0.6, total), 2), np.nan),
    })
    frame = frame.with_columns(pl.col("value").fill_nan(None))
    return frame.head(target).sort("event_at")


def write(frame: pl.DataFrame, path_stem: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write ``frame`` as ``<stem>.parquet`` and/or ``<stem>.csv`` (ISO timestamps)."""
    written = []
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    if "parquet" in formats:
        path = path_stem.with_suffix(".parquet")
        frame.write_parquet(path, row_group_size=1_000_000)
        written.append(path)
    if "csv" in formats:
        path = path_stem.with_suffix(".csv")
        frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S")
        written.append(path)
    return written


def generate(sizes: Sizes, out: Path = DATA_DIR, *, seed: int = 7,
             formats: tuple[str, ...] = ("parquet", "csv"),
             kinds: tuple[str, ...] = ("orders", "surveys", "events")) -> dict[str, list[Path]]:
    """Generate and write the data sets; returns the paths written per kind."""
    tag = str(sizes.orders)
    orders, acquired = generate_orders(sizes, seed)
    written = {}
    if "orders" in kinds:
        written["orders"] = write(orders, out / f"orders_{tag}", formats)
    del orders
    if "surveys" in kinds and sizes.surveys:
        written["surveys"] = write(generate_surveys(sizes, acquired, seed), out / f"surveys_{tag}",
                                   formats)
    if "events" in kinds and sizes.events:
        written["events"] = write(generate_events(sizes, seed), out / f"events_{tag}", formats)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=lambda s: int(s.replace("_", "")), default=1_000_000)
    p.add_argument("--customers", type=lambda s: int(s.replace("_", "")),
                   help="default: orders / 5")
    p.add_argument("--surveys", type=lambda s: int(s.replace("_", "")),
                   help="answers (default: orders / 20)")
    p.add_argument("--events", type=lambda s: int(s.replace("_", "")),
                   help="funnel events (default: as many as orders)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--formats", default="parquet,csv", help="parquet,csv (comma separated)")
    p.add_argument("--kinds", default="orders,surveys,events")
    p.add_argument("--out", type=Path, default=DATA_DIR)
    args = p.parse_args(argv)
    sizes = Sizes.for_orders(args.orders, args.customers, args.surveys, args.events)
    started = time.perf_counter()
    written = generate(sizes, args.out, seed=args.seed,
                       formats=tuple(args.formats.split(",")), kinds=tuple(args.kinds.split(",")))
    for kind, paths in written.items():
        for path in paths:
            print(f"{kind}: {path} ({path.stat().st_size / 2**20:,.1f} MiB)")
    print(f"generated {sizes} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
