"""Funnel metrics against a brute-force reference in plain Python and hand-worked logs.

The reference enumerates every chain of events (no greedy shortcut, no SQL): a unit
reaches step j from a step-1 event at t1 when events of steps 2..j exist at
t1 <= t2 <= ... <= tj <= t1 + window; its level is the best over all its step-1 events.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_core.errors import InputError
from retention_core.filters import Filters
from retention_core.metrics import funnel
from retention_core.workspace import Workspace

STAGES = ("view", "add_to_cart", "checkout", "purchase")
T0 = datetime(2026, 3, 2)  # a Monday


# -- the reference ----------------------------------------------------------------------


def ref_in_scope(events: list[dict], filters: Filters) -> list[dict]:
    out = []
    for e in events:
        if filters.start and e["event_at"] < datetime.combine(filters.start, datetime.min.time()):
            continue
        if filters.end and e["event_at"] >= datetime.combine(filters.end + timedelta(days=1),
                                                             datetime.min.time()):
            continue
        if filters.devices and e.get("device") not in filters.devices:
            continue
        if filters.channels and e.get("source") not in filters.channels:
            continue
        out.append(e)
    return out


def ref_steps(events: list[dict]) -> list[str]:
    return [s for s in STAGES if any(e["stage"] == s for e in events)]


def ref_cart(steps: list[str]) -> str | None:
    return "add_to_cart" if "add_to_cart" in steps else ("checkout" if "checkout" in steps else None)


def ref_finish(evts: list[dict], remaining: list[str], prev_t: datetime,
               deadline: datetime) -> datetime | None:
    """The earliest time a chain of ``remaining`` stages can end, or None."""
    if not remaining:
        return prev_t
    best = None
    for e in evts:
        if e["stage"] == remaining[0] and prev_t <= e["event_at"] <= deadline:
            end = ref_finish(evts, remaining[1:], e["event_at"], deadline)
            if end is not None and (best is None or end < best):
                best = end
    return best


def ref_units(events: list[dict], unit: str, window: timedelta) -> dict[str, dict]:
    """unit id -> level, first event, seconds to purchase, cart facts."""
    steps = ref_steps(events)
    key = "session_id" if unit == "session" else "customer_id"
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        if e["stage"] in steps and e.get(key) is not None:
            by_unit[e[key]].append(e)
    cart = ref_cart(steps)
    out = {}
    for uid, evts in by_unit.items():
        level = 0
        to_purchase = None
        starts = sorted((e for e in evts if e["stage"] == steps[0]), key=lambda e: e["event_at"])
        for e1 in starts:
            t1 = e1["event_at"]
            for j in range(1, len(steps) + 1):
                end = ref_finish(evts, steps[1:j], t1, t1 + window)
                if end is not None:
                    level = max(level, j)
                    if steps[j - 1] == "purchase" and to_purchase is None:
                        to_purchase = (end - t1).total_seconds()
        in_order = sorted(evts, key=lambda e: (e["event_at"], e["event_id"]))
        first = in_order[0]
        cart_events = [e for e in evts if e["stage"] in ("add_to_cart", "checkout")]
        checkouts = sorted((e for e in evts if e["stage"] == "checkout" and e["value"] is not None),
                           key=lambda e: (e["event_at"], e["event_id"]))
        added = [e["value"] for e in evts if e["stage"] == "add_to_cart" and e["value"] is not None]
        customers = sorted((e for e in evts if e.get("customer_id") is not None),
                           key=lambda e: (e["event_at"], e["event_id"]))
        out[uid] = {
            "level": level,
            "first_event_at": first["event_at"],
            "device": next((e["device"] for e in in_order if e["device"] is not None), None),
            "reached_cart": cart is not None and level >= steps.index(cart) + 1,
            "purchased": "purchase" in steps and level >= steps.index("purchase") + 1,
            "seconds_to_purchase": to_purchase,
            "last_cart_at": max((e["event_at"] for e in cart_events), default=None),
            "cart_value": checkouts[-1]["value"] if checkouts else (sum(added) if added else None),
            "customer_id": customers[0]["customer_id"] if customers else None,
        }
    return out


def ref_abandonment(units: dict[str, dict], steps: list[str]) -> float | None:
    carts = sum(u["reached_cart"] for u in units.values())
    bought = sum(u["purchased"] for u in units.values())
    if not carts or "purchase" not in steps:
        return None
    return 1 - bought / carts


# -- random logs ------------------------------------------------------------------------


@st.composite
def event_logs(draw):
    """Sessions of a few customers (or guests): journeys through the stages with gaps
    of up to 2.5 days (so some end outside the window) plus loose events, shuffled;
    coarse times (ties), repeated stages, stages missing from the log, raw events with
    no stage."""
    n_sessions = draw(st.integers(1, 6))
    customer_of = {f"s{i}": draw(st.sampled_from(["c1", "c2", "c3", None]))
                   for i in range(n_sessions)}
    sessions = sorted(customer_of)
    kept = draw(st.sets(st.sampled_from(STAGES), min_size=1))
    loose = draw(st.lists(st.fixed_dictionaries({
        "session_id": st.sampled_from(sessions),
        "stage": st.sampled_from([*STAGES, None]),
        "hour": st.integers(0, 24 * 16),
    }), max_size=15))
    journeys = draw(st.lists(st.tuples(
        st.sampled_from(sessions), st.integers(0, 24 * 14), st.integers(1, 4),
        st.lists(st.integers(0, 60), min_size=3, max_size=3)), max_size=4))
    rows = list(loose)
    for session, hour, depth, gaps in journeys:
        for stage, gap in zip(STAGES[:depth], [0, *gaps], strict=False):
            hour += gap
            rows.append({"session_id": session, "stage": stage, "hour": hour})
    rows = draw(st.permutations(rows))
    extras = draw(st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 300).map(float)),
                                     st.sampled_from(["mobile", "desktop", None])),
                           min_size=len(rows), max_size=len(rows)))
    events = []
    for i, (r, (value, device)) in enumerate(zip(rows, extras, strict=True)):
        if r["stage"] is not None and r["stage"] not in kept:
            continue
        events.append({
            "event_id": f"e{i:02d}",
            "session_id": r["session_id"],
            "customer_id": customer_of[r["session_id"]],
            "event_at": T0 + timedelta(hours=r["hour"]),
            "stage": r["stage"],
            "raw_event": r["stage"] or "scroll",
            "device": device,
            "source": "ads" if r["hour"] % 2 else "email",
            "value": value,
        })
    return events


_SHARED: list[Workspace] = []


def _workspace(events: list[dict]) -> Workspace:
    """One in-memory workspace reused by every example (opening one is the slow part)."""
    if not _SHARED:
        _SHARED.append(Workspace(":memory:"))
    ws = _SHARED[0]
    ws.reset()
    schema = {"event_id": pl.String, "session_id": pl.String, "customer_id": pl.String,
              "event_at": pl.Datetime("us"), "stage": pl.String, "raw_event": pl.String,
              "device": pl.String, "source": pl.String, "value": pl.Float64}
    if events:
        ws.load_frames(events=pl.DataFrame(events, schema=schema))
    return ws


windows = st.sampled_from([1, 6, 24, 72, 168, 240])  # hours
units = st.sampled_from(["session", "customer"])


@settings(max_examples=120, deadline=None)
@given(event_logs(), windows, units)
def test_unit_levels_match_brute_force(events, window_hours, unit):
    ws = _workspace(events)
    window = timedelta(hours=window_hours)
    got = funnel.compute_unit_levels(ws.cursor(), Filters(), window_hours / 24, unit)
    expected = ref_units(events, unit, window)
    assert sorted(got["unit_id"].to_list()) == sorted(expected)
    for row in got.iter_rows(named=True):
        exp = expected[row["unit_id"]]
        for key in ("level", "first_event_at", "reached_cart", "purchased", "last_cart_at",
                    "customer_id", "device"):
            assert row[key] == exp[key], (key, row["unit_id"])
        assert row["seconds_to_purchase"] == exp["seconds_to_purchase"]
        assert row["cart_value"] == pytest.approx(exp["cart_value"])
        assert row["week"] == row["first_event_at"].date() - timedelta(
            days=row["first_event_at"].weekday())


@settings(max_examples=120, deadline=None)
@given(event_logs(), windows, units, st.sampled_from([None, "mobile"]),
       st.sampled_from([None, date(2026, 3, 6)]))
def test_funnel_and_abandonment_match_brute_force(events, window_hours, unit, device, start):
    filters = Filters(start=start, devices=(device,) if device else ())
    scoped = ref_in_scope(events, filters)
    ws = _workspace(events)
    con = ws.cursor()
    window = timedelta(hours=window_hours)
    expected = ref_units(scoped, unit, window)
    steps = ref_steps(scoped)

    got = funnel.compute_funnel(con, filters, window_hours / 24, unit)
    assert got["stage"].to_list() == steps
    reached = [sum(u["level"] >= j for u in expected.values()) for j in range(1, len(steps) + 1)]
    assert got["units"].to_list() == reached
    for row in got.iter_rows(named=True):
        first, prev = reached[0], reached[row["step"] - 2] if row["step"] > 1 else None
        assert row["conversion_from_first"] == (pytest.approx(row["units"] / first) if first else None)
        if prev is not None:
            assert row["drop_off"] == prev - row["units"]
            assert row["conversion_from_previous"] == (
                pytest.approx(row["units"] / prev) if prev else None)

    rate = funnel.compute_cart_abandonment(con, filters, window_hours / 24, unit)
    exp_rate = ref_abandonment(expected, steps)
    assert rate == (None if exp_rate is None else pytest.approx(exp_rate))

    weekly = funnel.compute_weekly_cart_abandonment(con, filters, window_hours / 24, unit)
    by_week: dict[date, list[dict]] = defaultdict(list)
    for u in expected.values():
        t = u["first_event_at"].date()
        by_week[t - timedelta(days=t.weekday())].append(u)
    assert weekly["week"].to_list() == sorted(by_week)
    for row in weekly.iter_rows(named=True):
        members = {str(i): u for i, u in enumerate(by_week[row["week"]])}
        assert row["carts"] == sum(u["reached_cart"] for u in members.values())
        assert row["purchases"] == sum(u["purchased"] for u in members.values())
        exp_week = ref_abandonment(members, steps)
        assert row["cart_abandonment_rate"] == (None if exp_week is None else pytest.approx(exp_week))

    by_device = funnel.compute_cart_abandonment_by(con, filters, "device", window_hours / 24, unit)
    for row in by_device.iter_rows(named=True):
        members = {k: u for k, u in expected.items() if (u["device"] or "(unknown)") == row["group"]}
        assert row["units"] == len(members)
        assert row["carts"] == sum(u["reached_cart"] for u in members.values())
    assert by_device["units"].sum() == len(expected)


@settings(max_examples=80, deadline=None)
@given(event_logs(), windows, units, st.sampled_from([0, 1, 3, 7]))
def test_abandoned_cart_value_and_recovery_match_brute_force(events, window_hours, unit, days):
    ws = _workspace(events)
    got = funnel.compute_abandoned_carts(ws.cursor(), Filters(), window_hours / 24, unit,
                                         recovery_days=days)
    expected = ref_units(events, unit, timedelta(hours=window_hours))
    steps = ref_steps(events)
    if ref_cart(steps) is None or "purchase" not in steps:
        assert got["abandoned_carts"] is None
        return
    abandoned = [u for u in expected.values() if u["reached_cart"] and not u["purchased"]]
    purchases = [(e["customer_id"], e["event_at"]) for e in events
                 if e["stage"] == "purchase" and e["customer_id"] is not None]

    def recovered(u):
        return u["customer_id"] is not None and any(
            c == u["customer_id"] and u["last_cart_at"] < t <= u["last_cart_at"] + timedelta(days=days)
            for c, t in purchases)

    assert got["abandoned_carts"] == len(abandoned)
    valued = [u for u in abandoned if u["cart_value"] is not None]
    assert got["carts_without_value"] == len(abandoned) - len(valued)
    if not valued:
        assert got["abandoned_value"] is None and got["recovered_value"] is None
        return
    assert got["abandoned_value"] == pytest.approx(sum(u["cart_value"] for u in valued))
    assert got["recovered_carts"] == sum(recovered(u) for u in abandoned)
    assert got["recovered_value"] == pytest.approx(
        sum(u["cart_value"] or 0 for u in abandoned if recovered(u)))


@settings(max_examples=60, deadline=None)
@given(event_logs(), windows, units)
def test_time_to_purchase_distribution_matches_brute_force(events, window_hours, unit):
    ws = _workspace(events)
    con = ws.cursor()
    expected = ref_units(events, unit, timedelta(hours=window_hours))
    seconds = sorted(u["seconds_to_purchase"] for u in expected.values() if u["purchased"])
    buckets = funnel.compute_time_to_purchase(con, Filters(), window_hours / 24, unit)
    summary = funnel.summarise_time_to_purchase(con, Filters(), window_hours / 24, unit)
    if not seconds:
        assert buckets.is_empty()
        assert summary["median_hours"] is None
        return
    assert buckets["units"].sum() == len(seconds)
    for row in buckets.iter_rows(named=True):
        inside = [s for s in seconds if row["lower_seconds"] <= s < row["upper_seconds"]
                  or (s == row["upper_seconds"] == window_hours * 3600)]
        assert row["units"] == len(inside), row["bucket"]
    assert buckets["upper_seconds"][-1] == window_hours * 3600
    mid = len(seconds) // 2
    median = seconds[mid] if len(seconds) % 2 else (seconds[mid - 1] + seconds[mid]) / 2
    assert summary["median_hours"] == pytest.approx(median / 3600)
    assert summary["units"] == len(seconds)


# -- hand-worked logs ---------------------------------------------------------------------


def _ev(session, stage, minutes, customer=None, value=None, device="desktop", raw=None):
    return {"session_id": session, "customer_id": customer, "stage": stage,
            "raw_event": raw or stage or "scroll", "event_at": T0 + timedelta(minutes=minutes),
            "value": value, "device": device, "source": "email"}


def test_source_example_100_carts_50_purchases_is_half_abandoned():
    events = []
    for i in range(100):
        events += [_ev(f"s{i}", "view", 0), _ev(f"s{i}", "add_to_cart", 5, value=20.0)]
        if i < 50:
            events.append(_ev(f"s{i}", "purchase", 10))
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    assert funnel.compute_cart_abandonment(ws.cursor(), Filters()) == pytest.approx(0.5)
    weekly = funnel.compute_weekly_cart_abandonment(ws.cursor(), Filters())
    assert weekly.to_dicts() == [{"week": date(2026, 3, 2), "carts": 100, "purchases": 50,
                                  "cart_abandonment_rate": 0.5}]
    value = funnel.compute_abandoned_carts(ws.cursor(), Filters())
    assert (value["abandoned_carts"], value["abandoned_value"]) == (50, 1000.0)


def test_stage_without_events_is_left_out():
    # no checkout anywhere: view -> add_to_cart -> purchase; s3 buys without a cart
    events = [
        _ev("s1", "view", 0), _ev("s1", "add_to_cart", 1), _ev("s1", "purchase", 2),
        _ev("s2", "view", 0), _ev("s2", "add_to_cart", 1),
        _ev("s3", "view", 0), _ev("s3", "purchase", 2),
        _ev("s4", "view", 0), _ev("s4", None, 1, raw="scroll"),
    ]
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    got = funnel.compute_funnel(ws.cursor(), Filters())
    assert got.select("stage", "units").to_dicts() == [
        {"stage": "view", "units": 4}, {"stage": "add_to_cart", "units": 2},
        {"stage": "purchase", "units": 1}]
    assert got["conversion_from_previous"].to_list() == [None, 0.5, 0.5]
    assert got["drop_off"].to_list() == [None, 2, 1]
    assert funnel.compute_cart_abandonment(ws.cursor(), Filters()) == pytest.approx(0.5)


def test_order_window_and_unit_rules_on_a_worked_log():
    day = 24 * 60
    events = [
        # s1: purchase before the cart (out of order) -> reaches add_to_cart only
        _ev("s1", "purchase", 0, "c1"), _ev("s1", "view", 1, "c1"), _ev("s1", "add_to_cart", 2, "c1"),
        # s2: purchase 8 days after the view: outside 7 days, inside 10
        _ev("s2", "view", 0, "c2"), _ev("s2", "add_to_cart", 10, "c2"),
        _ev("s2", "checkout", 20, "c2"), _ev("s2", "purchase", 8 * day, "c2"),
        # s3: a later view starts a window that holds the purchase
        _ev("s3", "view", 0), _ev("s3", "view", 6 * day), _ev("s3", "add_to_cart", 6 * day + 1),
        _ev("s3", "checkout", 6 * day + 2), _ev("s3", "purchase", 9 * day),
        # s4 then s5 of customer c1: view in one session, buying in the next
        _ev("s4", "view", 100, "c4"),
        _ev("s5", "add_to_cart", 200, "c4"), _ev("s5", "checkout", 201, "c4"),
        _ev("s5", "purchase", 202, "c4"),
        # purchase exactly at the window's end counts
        _ev("s6", "view", 0), _ev("s6", "add_to_cart", 0), _ev("s6", "checkout", 0),
        _ev("s6", "purchase", 7 * day),
    ]
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    levels = funnel.compute_unit_levels(ws.cursor(), Filters())
    assert dict(zip(levels["unit_id"], levels["level"], strict=True)) == {
        "s1": 2, "s2": 3, "s3": 4, "s4": 1, "s5": 0, "s6": 4}
    assert dict(zip(levels["unit_id"], levels["seconds_to_purchase"], strict=True))["s3"] == 3 * 86400
    longer = funnel.compute_unit_levels(ws.cursor(), Filters(), window_days=10)
    assert longer.filter(pl.col("unit_id") == "s2")["level"].item() == 4
    customers = funnel.compute_unit_levels(ws.cursor(), Filters(), unit="customer")
    assert dict(zip(customers["unit_id"], customers["level"], strict=True)) == {
        "c1": 2, "c2": 3, "c4": 4}


def test_checkouts_only_log_measures_checkout_abandonment():
    events = [_ev("k1", "checkout", 0, "a@x", 50.0), _ev("k1", "purchase", 30, "a@x"),
              _ev("k2", "checkout", 0, "b@x", 70.0), _ev("k3", "checkout", 5, "c@x", 10.0),
              _ev("k4", "purchase", 3 * 24 * 60, "b@x")]  # b buys again later: recovered
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    con = ws.cursor()
    assert funnel.compute_funnel(con, Filters())["stage"].to_list() == ["checkout", "purchase"]
    assert funnel.compute_cart_abandonment(con, Filters()) == pytest.approx(2 / 3)
    value = funnel.compute_abandoned_carts(con, Filters())
    assert value["cart_stage"] == "checkout"
    assert (value["abandoned_carts"], value["abandoned_value"]) == (2, 80.0)
    assert (value["recovered_carts"], value["recovered_value"]) == (1, 70.0)
    assert value["recovered_value_share"] == pytest.approx(70 / 80)
    none = funnel.compute_abandoned_carts(con, Filters(), recovery_days=2)
    assert none["recovered_carts"] == 0


def test_no_purchase_or_no_cart_gives_none():
    ws = Workspace.from_frames(events=pl.DataFrame([_ev("s1", "view", 0), _ev("s1", "add_to_cart", 1)]))
    assert funnel.compute_cart_abandonment(ws.cursor(), Filters()) is None
    assert funnel.compute_weekly_cart_abandonment(ws.cursor(), Filters())[
        "cart_abandonment_rate"].to_list() == [None]
    ws = Workspace.from_frames(events=pl.DataFrame([_ev("s1", "view", 0), _ev("s1", "purchase", 1)]))
    assert funnel.compute_cart_abandonment(ws.cursor(), Filters()) is None


def test_empty_and_unstaged_logs():
    empty = Workspace.from_frames()
    con = empty.cursor()
    assert funnel.compute_funnel(con, Filters()).is_empty()
    assert funnel.compute_cart_abandonment(con, Filters()) is None
    weekly = funnel.compute_weekly_cart_abandonment(con, Filters())
    assert weekly.is_empty()
    assert weekly.columns == ["week", "carts", "purchases", "cart_abandonment_rate"]
    assert funnel.compute_time_to_purchase(con, Filters()).is_empty()
    assert funnel.compute_abandoned_carts(con, Filters())["abandoned_carts"] is None
    assert funnel.compute_funnel_by(con, Filters(), "device").is_empty()
    unstaged = Workspace.from_frames(events=pl.DataFrame([_ev("s1", None, 0, raw="scroll")]))
    assert funnel.compute_funnel(unstaged.cursor(), Filters()).is_empty()
    assert funnel.compute_unit_levels(unstaged.cursor(), Filters()).is_empty()


def test_partial_weeks_are_flagged():
    # as-of is Wednesday 2026-03-25; with a 7-day window, weeks starting after
    # 2026-03-25 - 14 days = 2026-03-11 can still change
    events = [_ev(f"s{w}", "view", w * 7 * 24 * 60) for w in range(4)]
    events.append(_ev("s9", "view", (3 * 7 + 2) * 24 * 60))
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    trend = funnel.compute_abandonment_trend(ws.cursor(), Filters())
    assert dict(zip(trend["week"], trend["is_partial"], strict=True)) == {
        date(2026, 3, 2): False, date(2026, 3, 9): False,
        date(2026, 3, 16): True, date(2026, 3, 23): True}


@pytest.mark.parametrize("kwargs", [{"unit": "visitor"}, {"window_days": 0},
                                    {"window_days": -1}, {"window_days": float("nan")},
                                    {"window_days": 1000}, {"window_days": "7"}])
def test_bad_arguments_are_input_errors(kwargs):
    ws = Workspace.from_frames(events=pl.DataFrame([_ev("s1", "view", 0)]))
    with pytest.raises(InputError):
        funnel.compute_funnel(ws.cursor(), Filters(), **kwargs)


def test_bad_breakdown_and_recovery_are_input_errors():
    ws = Workspace.from_frames(events=pl.DataFrame([_ev("s1", "view", 0)]))
    with pytest.raises(InputError, match="breakdown"):
        funnel.compute_funnel_by(ws.cursor(), Filters(), "country")
    with pytest.raises(InputError, match="recovery"):
        funnel.compute_abandoned_carts(ws.cursor(), Filters(), recovery_days=-1)


@settings(max_examples=40, deadline=None)
@given(event_logs(), windows, units)
def test_page_report_matches_the_single_functions(events, window_hours, unit):
    ws = _workspace(events)
    con = ws.cursor()
    days = window_hours / 24
    report = funnel.compute_funnel_report(con, Filters(), days, unit, recovery_days=3)
    assert report["funnel"].equals(funnel.compute_funnel(con, Filters(), days, unit))
    assert report["cart_abandonment_rate"] == funnel.compute_cart_abandonment(
        con, Filters(), days, unit)
    assert report["trend"].equals(funnel.compute_abandonment_trend(con, Filters(), days, unit))
    assert report["time_to_purchase"].equals(
        funnel.compute_time_to_purchase(con, Filters(), days, unit))
    assert report["time_to_purchase_summary"] == funnel.summarise_time_to_purchase(
        con, Filters(), days, unit)
    assert report["abandoned_carts"] == funnel.compute_abandoned_carts(
        con, Filters(), days, unit, recovery_days=3)
    for dimension in funnel.DIMENSIONS:
        assert report[f"funnel_by_{dimension}"].equals(
            funnel.compute_funnel_by(con, Filters(), dimension, days, unit))
        assert report[f"abandonment_by_{dimension}"].equals(
            funnel.compute_cart_abandonment_by(con, Filters(), dimension, days, unit))
    # the temp table is gone afterwards
    assert not con.sql("select * from duckdb_tables() where table_name = 'funnel_units'").fetchall()


def test_carts_without_values_have_no_value():
    events = [_ev("s1", "view", 0, "c1"), _ev("s1", "add_to_cart", 1, "c1"),
              _ev("s2", "view", 0, "c2"), _ev("s2", "add_to_cart", 1, "c2"),
              _ev("s2", "purchase", 2, "c2"),
              _ev("s3", "purchase", 60, "c1")]  # c1 buys an hour later: recovered
    ws = Workspace.from_frames(events=pl.DataFrame(events))
    got = funnel.compute_abandoned_carts(ws.cursor(), Filters())
    assert (got["abandoned_carts"], got["carts_without_value"], got["recovered_carts"]) == (1, 1, 1)
    assert got["abandoned_value"] is None and got["recovered_value_share"] is None
    assert got["recovered_cart_share"] == 1.0
