"""The demo data set is deterministic and has the behaviour the pages are meant to find."""

import polars as pl

from retention_core.demo import generate_demo, write_demo
from retention_core.workspace import Workspace


def test_same_seed_same_data_and_canonical_tables():
    a = generate_demo(customers=400, seed=3)
    b = generate_demo(customers=400, seed=3)
    for name in ("orders", "surveys", "events"):
        assert a[name].equals(b[name])
    ws = Workspace.from_frames(**a)  # conforms to the canonical schema
    assert all(ws.counts().values())


def test_demo_behaviour_is_there():
    data = generate_demo(customers=4000, seed=11)
    orders = data["orders"].filter(pl.col("status") == "paid", pl.col("customer_id").is_not_null())
    span = orders.select((pl.col("ordered_at").max() - pl.col("ordered_at").min()).dt.total_days()).item()
    assert span > 600  # about two years
    per_customer = orders.sort("ordered_at").group_by("customer_id").agg(
        pl.len().alias("n"), pl.col("delivered_late").first().alias("late"))
    repeat = per_customer.group_by("late").agg((pl.col("n") >= 2).mean().alias("rate"))
    rate = dict(repeat.iter_rows())
    assert rate[True] < rate[False]  # a late first delivery lowers the chance of a second order
    once = (per_customer.get_column("n") == 1).mean()
    assert once > 0.5  # most customers buy once, as in real shops

    events = data["events"]
    sessions = events.group_by("session_id", "device").agg(
        (pl.col("stage") == "add_to_cart").any().alias("cart"),
        (pl.col("stage") == "purchase").any().alias("bought"))
    carts = sessions.filter("cart").group_by("device").agg((~pl.col("bought")).mean().alias("abandon"))
    abandon = dict(carts.iter_rows())
    assert abandon["mobile"] > abandon["desktop"]


def test_write_demo(tmp_path):
    paths = write_demo(tmp_path, customers=50, seed=1)
    assert sorted(p.name for p in paths.values()) == ["events.csv", "orders.csv", "surveys.csv"]
    assert pl.read_csv(paths["orders"]).height > 50
