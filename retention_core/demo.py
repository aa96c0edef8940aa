"""A deterministic, realistic demo data set: orders, NPS/CSAT answers and funnel events.

Two years of a growing shop with weekly seasonality. Behaviour is built in so every
page has something true to find:

- channels differ in how often their customers come back (e-mail and referral best,
  paid ads worst); discount-code first orders repeat less;
- a late delivery or a return on the first order lowers the chance of a second one;
- NPS answers after the first order relate to later buying (promoters come back more);
- mobile sessions abandon the cart more often than desktop ones.

Everything is drawn from one seeded NumPy generator, vectorised per order index, so
100k customers take a few seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from retention_core.exports import to_safe_csv

DEMO_END = datetime(2026, 11, 15, 23, 0)
DEMO_DAYS = 730

CHANNELS = ["organic", "paid_ads", "email", "social", "referral"]
CHANNEL_P = [0.32, 0.30, 0.14, 0.16, 0.08]
# orders per year of an active customer, and the chance to stay after each order
CHANNEL_RATE = {"organic": 3.0, "paid_ads": 2.0, "email": 4.0, "social": 2.4, "referral": 3.6}
CHANNEL_STAY = {"organic": 0.62, "paid_ads": 0.45, "email": 0.72, "social": 0.5, "referral": 0.7}
DEVICES = ["desktop", "mobile", "tablet"]
DEVICE_P = [0.42, 0.5, 0.08]
COUNTRIES = ["PL", "DE", "US", "GB", "RU", "FR"]
COUNTRY_P = [0.28, 0.2, 0.18, 0.14, 0.1, 0.1]
CATALOGUE = [  # product, category, mean price
    ("Ceramic mug", "Kitchen", 18.0), ("Chef knife", "Kitchen", 64.0),
    ("Linen apron", "Kitchen", 32.0), ("Cotton throw", "Home", 55.0),
    ("Scented candle", "Home", 24.0), ("Wool rug", "Home", 140.0),
    ("Yoga mat", "Sport", 38.0), ("Water bottle", "Sport", 21.0),
    ("Running socks", "Sport", 12.0), ("Notebook set", "Stationery", 16.0),
]
DISCOUNTS = ["WELCOME10", "SPRING15", "BLACKFRIDAY", "VIP20"]
WEEKDAY_WEIGHT = np.array([1.15, 1.0, 0.95, 0.95, 0.9, 0.85, 1.2])  # Mon..Sun

PROMOTER_WORDS = ["fast delivery", "great quality", "love the design", "will buy again",
                  "friendly support", "beautiful packaging"]
PASSIVE_WORDS = ["ok quality", "delivery was fine", "a bit pricey", "nothing special",
                 "good but slow shipping"]
DETRACTOR_WORDS = ["late delivery", "item arrived broken", "refund took weeks",
                   "poor quality", "support never answered", "wrong size"]


def _pick(rng: np.random.Generator, values: list[str], p: list[float], n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=n, p=p)]


def _days_with_seasonality(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Move each day by 0..6 days towards busier weekdays (thinning by weekday weight)."""
    start_weekday = (DEMO_END - timedelta(days=DEMO_DAYS)).weekday()
    weekday = (days.astype(int) + start_weekday) % 7
    keep = rng.random(days.size) < WEEKDAY_WEIGHT[weekday] / WEEKDAY_WEIGHT.max()
    shift = np.where(keep, 0, rng.integers(1, 3, size=days.size))
    return days + shift


def generate_demo(customers: int = 3000, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Return canonical ``orders``, ``surveys`` and ``events`` frames.

    Parameters
    ----------
    customers
        Number of customers with at least one order (guest orders come on top).
    seed
        Seed of the random generator; the same seed gives the same data.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    rng = np.random.default_rng(seed)
    start = DEMO_END - timedelta(days=DEMO_DAYS)
    n = customers

    # -- customers: acquisition date grows over time (linear density), attributes ------
    first_day = DEMO_DAYS * np.sqrt(rng.random(n))
    first_day = _days_with_seasonality(rng, first_day)
    first_day = np.minimum(first_day, DEMO_DAYS - 0.01)
    channel = _pick(rng, CHANNELS, CHANNEL_P, n)
    device = _pick(rng, DEVICES, DEVICE_P, n)
    country = _pick(rng, COUNTRIES, COUNTRY_P, n)
    first_discount = rng.random(n) < np.where(channel == "paid_ads", 0.45, 0.2)
    late_first = rng.random(n) < 0.1
    returned_first = rng.random(n) < 0.07

    # satisfaction after the first order: worse after a late delivery or a return
    base_nps = rng.choice(11, size=n, p=[.02, .01, .02, .03, .03, .05, .07, .12, .17, .22, .26])
    nps_score = np.clip(base_nps - np.where(late_first, rng.integers(2, 6, n), 0)
                        - np.where(returned_first, rng.integers(1, 4, n), 0), 0, 10)

    rate = np.array([CHANNEL_RATE[c] for c in channel]) * rng.gamma(2.0, 0.5, n)
    stay = np.array([CHANNEL_STAY[c] for c in channel])
    stay = stay * np.where(first_discount, 0.8, 1.0)
    first_stay = stay * np.where(late_first, 0.55, 1.0) * np.where(returned_first, 0.6, 1.0)
    first_stay = first_stay * np.select([nps_score >= 9, nps_score >= 7], [1.2, 1.0], 0.7)
    first_stay = np.clip(first_stay, 0, 0.95)
    stay = np.clip(stay * 1.2, 0, 0.93)

    # -- orders: vectorised over the order index ------------------------------------
    cust_idx = [np.arange(n)]
    order_day = [first_day]
    alive = np.ones(n, dtype=bool)
    day = first_day.copy()
    k = 0
    while alive.any() and k < 200:
        p = first_stay if k == 0 else stay
        alive &= rng.random(n) < p
        gap = rng.exponential(365.0 / rate) + 1.0
        day = day + gap
        alive &= day < DEMO_DAYS
        cust_idx.append(np.flatnonzero(alive))
        order_day.append(day[alive])
        k += 1
    ci = np.concatenate(cust_idx)
    od = np.concatenate(order_day)
    order_number = np.concatenate([np.full(a.size, i) for i, a in enumerate(cust_idx)])

    guests = max(1, n // 20)
    ci = np.concatenate([ci, np.full(guests, -1)])
    od = np.concatenate([od, DEMO_DAYS * np.sqrt(rng.random(guests))])
    order_number = np.concatenate([order_number, np.zeros(guests, dtype=int)])
    m = ci.size
    is_guest = ci < 0
    safe_ci = np.where(is_guest, 0, ci)

    prod = rng.integers(0, len(CATALOGUE), m)
    price = np.array([c[2] for c in CATALOGUE])[prod]
    qty = rng.choice([1, 1, 1, 2, 2, 3], size=m)
    repeat_bonus = np.where(order_number > 0, 1.15, 1.0)
    revenue = np.round(price * qty * rng.lognormal(0, 0.25, m) * repeat_bonus, 2)
    first = order_number == 0
    discount = np.where(first & ~is_guest, first_discount[safe_ci], rng.random(m) < 0.12)
    code = np.where(discount, _pick(rng, DISCOUNTS, [0.4, 0.2, 0.25, 0.15], m), None)
    revenue = np.where(discount, np.round(revenue * 0.88, 2), revenue)
    late = np.where(first & ~is_guest, late_first[safe_ci], rng.random(m) < 0.08)
    returned = np.where(first & ~is_guest, returned_first[safe_ci], rng.random(m) < 0.05)
    status_draw = rng.random(m)
    status = np.select([status_draw < 0.025, status_draw < 0.04], ["cancelled", "refunded"], "paid")
    ordered_at = [start + timedelta(days=float(d), hours=float(h))
                  for d, h in zip(np.floor(od), rng.uniform(7, 23, m), strict=True)]
    order_dev = np.where(is_guest, _pick(rng, DEVICES, DEVICE_P, m),
                         np.where(rng.random(m) < 0.8, device[safe_ci], _pick(rng, DEVICES, DEVICE_P, m)))
    order_channel = np.where(is_guest, _pick(rng, CHANNELS, CHANNEL_P, m),
                             np.where(first, channel[safe_ci],
                                      np.where(rng.random(m) < 0.5, "email", channel[safe_ci])))
    customer_id = np.where(is_guest, None, np.char.add("C", np.char.zfill(safe_ci.astype(str), 6)))

    orders = pl.DataFrame({
        "ordered_at": ordered_at,
        "customer_id": customer_id.tolist(),
        "revenue": revenue,
        "status": status.tolist(),
        "channel": order_channel.tolist(),
        "country": np.where(is_guest, _pick(rng, COUNTRIES, COUNTRY_P, m), country[safe_ci]).tolist(),
        "device": order_dev.tolist(),
        "discount_code": code.tolist(),
        "product": [CATALOGUE[i][0] for i in prod],
        "category": [CATALOGUE[i][1] for i in prod],
        "delivered_late": late.tolist(),
        "returned": returned.tolist(),
    }).with_columns(pl.col("ordered_at").dt.truncate("1s")).sort("ordered_at")
    orders = orders.with_columns(
        ("#" + (pl.int_range(pl.len()) + 1001).cast(pl.String)).alias("order_id")
    ).select(["order_id", *[c for c in orders.columns]])

    surveys = _surveys(rng, orders, nps_score, channel, device, country, first_day, start)
    events = _events(rng, orders)
    return {"orders": orders, "surveys": surveys, "events": events}


def _surveys(rng, orders, nps_score, channel, device, country, first_day, start) -> pl.DataFrame:
    n = nps_score.size
    answered = rng.random(n) < 0.35
    idx = np.flatnonzero(answered)
    responded = [start + timedelta(days=float(first_day[i] + rng.uniform(3, 12)))
                 for i in idx]
    score = nps_score[idx]
    words = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))
    banks = [PROMOTER_WORDS, PASSIVE_WORDS, DETRACTOR_WORDS]
    has_comment = rng.random(idx.size) < 0.4
    comment = [
        (banks[w][rng.integers(len(banks[w]))].capitalize()
         + ("" if rng.random() < 0.6 else f", {banks[w][rng.integers(len(banks[w]))]}"))
        if c else None
        for w, c in zip(words, has_comment, strict=True)
    ]
    nps = pl.DataFrame({
        "customer_id": [f"C{i:06d}" for i in idx],
        "responded_at": responded,
        "survey": "nps",
        "score": score.astype(np.int32),
        "channel": channel[idx].tolist(),
        "touchpoint": "post_purchase",
        "product": None,
        "country": country[idx].tolist(),
        "device": device[idx].tolist(),
        "comment": comment,
    }).filter(pl.col("responded_at") <= DEMO_END).with_columns(pl.col("responded_at").dt.truncate("1s"))

    kept = orders.filter(pl.col("customer_id").is_not_null() & (pl.col("status") == "paid"))
    sample = kept.sample(fraction=0.25, seed=int(rng.integers(1 << 31)))
    late = sample.get_column("delivered_late").to_numpy()
    base = rng.choice([1, 2, 3, 4, 5], size=sample.height, p=[.04, .06, .14, .36, .40])
    csat = np.clip(base - np.where(late, rng.integers(1, 3, sample.height), 0), 1, 5)
    touch = _pick(rng, ["delivery", "checkout", "support"], [0.5, 0.3, 0.2], sample.height)
    csat_frame = sample.select(
        "customer_id",
        (pl.col("ordered_at") + pl.duration(days=5)).alias("responded_at"),
        pl.lit("csat").alias("survey"),
        pl.Series("score", csat.astype(np.int32)),
        "channel",
        pl.Series("touchpoint", touch.tolist()),
        "product", "country", "device",
        pl.lit(None, dtype=pl.String).alias("comment"),
    ).filter(pl.col("responded_at") <= DEMO_END)
    out = pl.concat([nps, csat_frame], how="vertical_relaxed").sort("responded_at")
    return out.with_columns(
        ("R" + (pl.int_range(pl.len()) + 1).cast(pl.String)).alias("response_id")
    ).select("response_id", *[c for c in out.columns])


def _events(rng, orders) -> pl.DataFrame:
    """A session per purchase (view -> cart -> checkout -> purchase) plus abandoned ones."""
    kept = orders.filter(pl.col("status") != "cancelled")
    buyers = kept.select("customer_id", "ordered_at", "device", "channel", "revenue")
    b = buyers.height
    n_abandon = int(b * 2.2)
    pick = rng.integers(0, b, n_abandon)
    ab = buyers[pick.tolist()]
    ab_dev = ab.get_column("device").to_numpy()
    offset = rng.uniform(-20, 20, n_abandon)
    ab_time = [t + timedelta(days=float(o)) for t, o in zip(ab.get_column("ordered_at"), offset, strict=True)]
    # how far an abandoned session gets: mobile drops out earlier
    mobile = ab_dev == "mobile"
    u = rng.random(n_abandon)
    reach = np.where(mobile, np.select([u < 0.45, u < 0.85], [1, 2], 3),
                     np.select([u < 0.5, u < 0.75], [1, 2], 3))
    # add browsing-only sessions too, anonymous
    stages = ["view", "add_to_cart", "checkout", "purchase"]
    raw_names = {"view": "view_item", "add_to_cart": "add_to_cart", "checkout": "begin_checkout",
                 "purchase": "purchase"}
    rows_session, rows_customer, rows_time, rows_stage, rows_dev, rows_src, rows_val = ([] for _ in range(7))
    buy_times = buyers.get_column("ordered_at").to_list()
    buy_dev = buyers.get_column("device").to_list()
    buy_src = buyers.get_column("channel").to_list()
    buy_cust = buyers.get_column("customer_id").to_list()
    buy_val = buyers.get_column("revenue").to_list()
    gaps = rng.uniform(1, 15, (b, 3))
    for i in range(b):
        t = buy_times[i] - timedelta(minutes=float(gaps[i].sum()))
        for s in range(4):
            rows_session.append(f"S{i + 1}")
            rows_customer.append(buy_cust[i])
            rows_time.append(t)
            rows_stage.append(raw_names[stages[s]])
            rows_dev.append(buy_dev[i])
            rows_src.append(buy_src[i])
            rows_val.append(buy_val[i] if s >= 1 else None)
            if s < 3:
                t = t + timedelta(minutes=float(gaps[i][s]))
    ab_cust = ab.get_column("customer_id").to_list()
    ab_src = ab.get_column("channel").to_list()
    ab_val = ab.get_column("revenue").to_list()
    agaps = rng.uniform(1, 20, (n_abandon, 2))
    for j in range(n_abandon):
        t = ab_time[j]
        for s in range(int(reach[j])):
            rows_session.append(f"S{b + j + 1}")
            rows_customer.append(ab_cust[j])
            rows_time.append(t)
            rows_stage.append(raw_names[stages[s]])
            rows_dev.append(ab_dev[j])
            rows_src.append(ab_src[j])
            rows_val.append(ab_val[j] if s >= 1 else None)
            if s < 2:
                t = t + timedelta(minutes=float(agaps[j][s]))
    events = pl.DataFrame({
        "session_id": rows_session,
        "customer_id": rows_customer,
        "event_at": rows_time,
        "raw_event": rows_stage,
        "device": rows_dev,
        "source": rows_src,
        "value": rows_val,
    }, schema_overrides={"value": pl.Float64, "customer_id": pl.String})
    stage_of = {v: k for k, v in raw_names.items()}
    events = events.filter(pl.col("event_at") <= DEMO_END).with_columns(
        pl.col("event_at").dt.truncate("1s"),
        pl.col("raw_event").replace_strict(stage_of, default=None).alias("stage")
    ).sort("event_at")
    return events


def write_demo(out_dir: str | Path, customers: int = 3000, seed: int = 7) -> dict[str, Path]:
    """Write ``orders.csv``, ``surveys.csv`` and ``events.csv`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in generate_demo(customers, seed).items():
        path = out / f"{name}.csv"
        # like every CSV this project writes for people: spreadsheet-safe
        text = frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S"))
        path.write_bytes(to_safe_csv(text))
        paths[name] = path
    return paths
