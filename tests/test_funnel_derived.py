"""The funnel read from the derived tables (retention_core/derived/events.py) gives what the
live computation from the events gives, for any filter.

Random small event logs with whole sessions (one day, device and source), split ones
(across midnight, or changing device or source), guests, NULL devices and sources, raw
events without a stage and customers buying again after leaving a cart; random global
filters. The live path (``funnel/units.sql`` over the scoped events) is itself checked
against a brute-force reference in tests/test_funnel.py.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from retention_core.filters import Filters
from retention_core.metrics import funnel
from retention_core.workspace import Workspace

STAGES = ("view", "add_to_cart", "checkout", "purchase")
T0 = datetime(2026, 3, 2)  # a Monday
DAYS = 20
SCHEMA = {"event_id": pl.String, "session_id": pl.String, "customer_id": pl.String,
          "event_at": pl.Datetime("us"), "stage": pl.String, "raw_event": pl.String,
          "device": pl.String, "source": pl.String, "value": pl.Float64}


@st.composite
def event_logs(draw) -> list[dict]:
    """Sessions walking part of the funnel with gaps of minutes to days; most keep one
    device and source, some change them; a few events carry no stage."""
    events = []
    for s in range(draw(st.integers(1, 8))):
        customer = draw(st.sampled_from(["c1", "c2", "c3", None]))
        device = draw(st.sampled_from(["mobile", "desktop", None]))
        source = draw(st.sampled_from(["ads", "email", None]))
        at = T0 + timedelta(minutes=draw(st.integers(0, DAYS * 24 * 60)))
        for _ in range(draw(st.integers(1, 6))):
            at += timedelta(minutes=draw(st.sampled_from([0, 5, 90, 600, 1500, 4000, 12000])))
            mixed = draw(st.integers(0, 9)) == 0  # now and then a device or source change
            stage = draw(st.sampled_from([*STAGES, *STAGES[:3], None]))
            events.append({
                "event_id": f"e{len(events):03d}", "session_id": f"s{s}", "customer_id": customer,
                "event_at": at, "stage": stage, "raw_event": stage or "scroll",
                "device": draw(st.sampled_from(["mobile", "tablet"])) if mixed else device,
                "source": source if not mixed else draw(st.sampled_from(["ads", "social"])),
                "value": draw(st.sampled_from([None, 10.0, 25.0, 40.0])),
            })
    return events


@st.composite
def filters(draw) -> Filters:
    day = st.integers(0, DAYS + 8).map(lambda d: T0.date() + timedelta(days=d))
    start, end = draw(st.one_of(st.none(), day)), draw(st.one_of(st.none(), day))
    if start and end and end < start:
        start, end = end, start
    return Filters(start=start, end=end,
                   channels=tuple(draw(st.sets(st.sampled_from(["ads", "email", "social"]),
                                               max_size=2))),
                   devices=tuple(draw(st.sets(st.sampled_from(["mobile", "desktop", "tablet"]),
                                              max_size=2))))


_SHARED: list[Workspace] = []


def _workspace(events: list[dict]) -> Workspace:
    """One in-memory workspace reused by every example; each import rebuilds the tables."""
    if not _SHARED:
        _SHARED.append(Workspace(":memory:"))
    ws = _SHARED[0]
    ws.reset()
    ws.load_frames(events=pl.DataFrame(events, schema=SCHEMA))
    return ws


def _live(call):
    """``call()`` computed from the events, the derived tables ignored."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(funnel, "_derived_answers", lambda *args: False)
        return call()


def _assert_same(got, expected, where=""):
    """Equal, up to the last bits of sums of values added in another order."""
    if isinstance(expected, pl.DataFrame):
        assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)
    elif isinstance(expected, dict):
        assert got.keys() == expected.keys(), where
        for key in expected:
            _assert_same(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-12), where
    else:
        assert got == expected, where


@settings(max_examples=150, deadline=None)
@given(event_logs(), filters(), st.sampled_from(["week", "month", "quarter"]))
def test_derived_tables_give_the_live_results(events, scope_filters, period):
    ws = _workspace(events)
    con = ws.cursor()
    scope = funnel._scope(con, scope_filters, funnel.DEFAULT_WINDOW_DAYS, "session")
    everything = funnel.list_funnel_stages(con, Filters())["stage"].to_list()
    # the derived path answers exactly when the filters keep every stage of the data
    assert scope.derived == (bool(scope.stages) and scope.stages == everything)

    got = funnel.compute_funnel_report(con, scope_filters)
    expected = _live(lambda: funnel.compute_funnel_report(con, scope_filters))
    _assert_same(got, expected, "report")

    got = funnel.compute_cart_groups(con, scope_filters, period)
    expected = _live(lambda: funnel.compute_cart_groups(con, scope_filters, period))
    _assert_same(got, expected, "cart groups")


@settings(max_examples=60, deadline=None)
@given(event_logs(), filters())
def test_stages_from_the_derived_table_match_the_events(events, scope_filters):
    ws = _workspace(events)
    con = ws.cursor()
    got = funnel.list_funnel_stages(con, scope_filters)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(funnel.derived, "available", lambda *args: False)
        expected = funnel.list_funnel_stages(con, scope_filters)
    _assert_same(got, expected, "stages")


def _two_sessions() -> list[dict]:
    """s1 crosses midnight (a split session), s2 is a whole session on 3 March."""
    def event(i, session, at, stage, value=None):
        return {"event_id": f"e{i}", "session_id": session, "customer_id": "c1",
                "event_at": at, "stage": stage, "raw_event": stage, "device": "mobile",
                "source": "ads", "value": value}

    late = datetime(2026, 3, 2, 23, 50)
    return [
        event(1, "s1", late, "view"), event(2, "s1", late, "add_to_cart", 30.0),
        event(3, "s1", late + timedelta(minutes=20), "purchase"),
        event(4, "s2", datetime(2026, 3, 3, 10), "view"),
        event(5, "s2", datetime(2026, 3, 3, 10, 5), "add_to_cart", 12.0),
    ]


def test_split_sessions_are_computed_from_their_events():
    # s1 crosses midnight: a filter starting on its second day keeps only its purchase,
    # so it is not a cart there; s2 is a whole session on one day
    ws = _workspace(_two_sessions())
    con = ws.cursor()
    split = con.execute("select distinct session_id from funnel_split_events").fetchall()
    assert split == [("s1",)]
    everything = funnel.compute_funnel_report(con, Filters())
    assert everything["funnel"]["units"].to_list() == [2, 2, 1]
    assert everything["cart_abandonment_rate"] == 0.5
    # from 3 March: s1 has only its purchase (no view, level 0), s2 is an abandoned cart;
    # the scope still has all three stages, so the derived tables answer
    from_3rd = Filters(start=date(2026, 3, 3))
    assert funnel._scope(con, from_3rd, 7, "session").derived
    report = funnel.compute_funnel_report(con, from_3rd)
    assert report["funnel"]["units"].to_list() == [1, 1, 0]
    assert report["cart_abandonment_rate"] == 1.0
    assert report["abandoned_carts"]["abandoned_value"] == 12.0


@pytest.mark.parametrize(("scope_filters", "live"), [
    (Filters(), False),
    (Filters(end=date(2026, 3, 3)), False),  # ends after s1's last event
    (Filters(channels=("ads",)), False),  # keeps every event of s1
    (Filters(start=date(2026, 3, 3)), True),  # cuts s1
    (Filters(channels=("email",)), True),  # drops s1, keeps s3 (every stage)
    (Filters(devices=("desktop",)), True),
])
def test_split_sessions_are_read_from_the_stored_facts_when_no_filter_cuts_them(
        monkeypatch, scope_filters, live):
    """Split sessions are computed from their events only when the filters leave out one
    of their events; otherwise their stored facts (funnel_all_split_units) are read."""
    s3 = [{"event_id": f"e{i}", "session_id": "s3", "customer_id": "c2",
           "event_at": datetime(2026, 3, 4, 12, i), "stage": stage, "raw_event": stage,
           "device": "desktop", "source": "email", "value": None}
          for i, stage in enumerate(("view", "add_to_cart", "purchase"), start=6)]
    con = _workspace(_two_sessions() + s3).cursor()
    assert funnel._scope(con, scope_filters, 7, "session").derived  # the case being tested
    computed = []
    original = funnel.units_sql
    monkeypatch.setattr(funnel, "units_sql",
                        lambda events: computed.append(events) or original(events))
    funnel.compute_cart_groups(con, scope_filters, "week")
    assert ("funnel/split_events" in computed) == live


@pytest.mark.parametrize("path", ["derived", "live"])
def test_cart_groups_hand_worked(path):
    # s1 (2-3 March, split): view, cart, purchase 20 minutes later: a cart, not abandoned;
    # s2 (3 March): view, cart: abandoned. Both mobile / ads, first events in the week of
    # 2 March (and in March). From 3 March on, s1 keeps only its purchase: no cart.
    con = _workspace(_two_sessions()).cursor()

    def groups(scope_filters, period):
        call = lambda: funnel.compute_cart_groups(con, scope_filters, period)  # noqa: E731
        return (call() if path == "derived" else _live(call)).rows()

    assert groups(Filters(), "week") == [(date(2026, 3, 2), "mobile", "ads", 2.0, 1.0)]
    assert groups(Filters(), "quarter") == [(date(2026, 1, 1), "mobile", "ads", 2.0, 1.0)]
    assert groups(Filters(start=date(2026, 3, 3)), "month") == [
        (date(2026, 3, 1), "mobile", "ads", 1.0, 1.0)]
