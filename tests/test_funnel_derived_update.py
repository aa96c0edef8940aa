"""The funnel's derived tables updated in place after an events import or a deleted import
(``update`` in retention_core/derived/events.py) hold exactly what a rebuild from the same
events holds: every row of every table, whatever the change did to sessions (whole ones
becoming split and back, customers changing, purchases recovering earlier carts, events
moving to other days or losing their stage)."""

from __future__ import annotations

import math
from datetime import timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_funnel_derived import DAYS, SCHEMA, STAGES, T0, event_logs
from testkit import count_builds, updated_and_rebuilt

from retention_core.derived import events as derived_events
from retention_core.schema import FUNNEL_STAGES
from retention_core.workspace import Workspace


@pytest.fixture
def builds(monkeypatch):
    """Counts of rebuilds and in-place updates (testkit.count_builds)."""
    return count_builds(monkeypatch, "events", derived_events)


@st.composite
def changes(draw, base: list[dict]) -> list[dict]:
    """A later export: some stored events sent again changed (time, stage, customer,
    device), some new events in stored sessions or in new ones (purchases too)."""
    out = []
    for event in draw(st.lists(st.sampled_from(base), max_size=4, unique_by=lambda e: e["event_id"])):
        field = draw(st.sampled_from(["event_at", "stage", "customer_id", "device", "value"]))
        value = {
            "event_at": event["event_at"] + timedelta(minutes=draw(st.sampled_from(
                [-3000, -30, 30, 1500, 20000]))),
            "stage": draw(st.sampled_from([*STAGES, None])),
            "customer_id": draw(st.sampled_from(["c1", "c2", "c4", None])),
            "device": draw(st.sampled_from(["mobile", "desktop", "tablet", None])),
            "value": draw(st.sampled_from([None, 5.0, 99.0])),
        }[field]
        out.append({**event, field: value, "raw_event": (value or "scroll") if field == "stage"
                    else event["raw_event"]})
    sessions = sorted({e["session_id"] for e in base}) + ["new1", "new2"]
    for i in range(draw(st.integers(0, 4))):
        stage = draw(st.sampled_from([*STAGES, "purchase"]))
        out.append({
            "event_id": f"n{len(base)}_{i}_{draw(st.integers(0, 10**6))}",
            "session_id": draw(st.sampled_from(sessions)),
            "customer_id": draw(st.sampled_from(["c1", "c2", "c3", None])),
            "event_at": T0 + timedelta(minutes=draw(st.integers(0, (DAYS + 3) * 24 * 60))),
            "stage": stage, "raw_event": stage,
            "device": draw(st.sampled_from(["mobile", "desktop", None])),
            "source": draw(st.sampled_from(["ads", "email", None])),
            "value": draw(st.sampled_from([None, 10.0, 40.0])),
        })
    return out


@st.composite
def change_sequences(draw):
    base = draw(event_logs())
    steps: list[tuple[str, object]] = [("import", base)]
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 3)) == 0:
            steps.append(("delete", draw(st.integers(0, 10))))
        else:
            steps.append(("import", draw(changes(base))))
    return steps


def _stages(ws: Workspace) -> set:
    rows = ws.cursor().execute("select distinct stage from events where stage = any($v)",
                               {"v": list(FUNNEL_STAGES)}).fetchall()
    return {r[0] for r in rows}


def _apply(ws: Workspace, steps) -> int:
    """Run the steps; how many changed stored events without changing the stages present
    (each of those must update the tables in place)."""
    alive: list[int] = []
    updatable = 0
    for step, arg in steps:
        before = _stages(ws) if ws.has("events") else None
        if step == "import" and arg:
            frame = pl.DataFrame(arg, schema=SCHEMA)
            alive.append(ws.import_frame("events", frame, file_name="events.csv").import_id)
        elif step == "delete" and alive:
            ws.delete_import(alive.pop(arg % len(alive)))
        else:
            continue
        updatable += before is not None and before == _stages(ws)
    return updatable


def _tables(ws: Workspace) -> dict[str, list[tuple]]:
    cur = ws.cursor()
    out = {}
    for table in derived_events.TABLES:
        rows = cur.execute(f"select * from {table}").fetchall()  # noqa: S608
        out[table] = sorted(rows, key=repr)
    return out


def _same(got: dict, want: dict) -> None:
    for table in want:
        assert len(got[table]) == len(want[table]), table
        for a, b in zip(got[table], want[table], strict=True):
            for x, y in zip(a, b, strict=True):
                if isinstance(x, float) and isinstance(y, float):
                    assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-9), (table, a, b)
                else:
                    assert x == y, (table, a, b)


@settings(max_examples=80, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(steps=change_sequences())
def test_updated_funnel_tables_equal_a_rebuild(builds, steps):
    _same(*updated_and_rebuilt(builds, _apply, steps, "events", _tables))


def _event(i, session, customer, day, minute, stage, value=None):
    return {"event_id": f"e{i}", "session_id": session, "customer_id": customer,
            "event_at": T0 + timedelta(days=day, minutes=minute), "stage": stage,
            "raw_event": stage, "device": "mobile", "source": "ads", "value": value}


def test_a_later_purchase_recovers_an_earlier_cart_in_place(builds):
    """Week 1: c1 leaves a cart on day 0. Week 2: c1 buys on day 3 in another session. The
    update counts day 0's cart as recovered (a day no event of week 2 is on) without a
    rebuild; deleting week 2 takes the recovery back."""
    week1 = [_event(1, "s1", "c1", 0, 0, "view"), _event(2, "s1", "c1", 0, 5, "add_to_cart", 30.0),
             _event(3, "s2", "c2", 1, 0, "view"), _event(4, "s2", "c2", 1, 3, "purchase")]
    week2 = [_event(5, "s3", "c1", 3, 0, "view"), _event(6, "s3", "c1", 3, 9, "purchase")]
    recovered = ("select sum(recovered_carts), sum(recovered_value) from funnel_session_days "
                 "where day = $day")
    with Workspace(":memory:") as ws:
        builds.update(build=0, update=0)
        ws.import_frame("events", pl.DataFrame(week1, schema=SCHEMA), file_name="w1.csv")
        day0 = {"day": T0.date()}
        assert ws.cursor().execute(recovered, day0).fetchall() == [(0, None)]
        later = ws.import_frame("events", pl.DataFrame(week2, schema=SCHEMA), file_name="w2.csv")
        assert builds == {"build": 1, "update": 1}
        assert ws.cursor().execute(recovered, day0).fetchall() == [(1, 30.0)]
        ws.delete_import(later.import_id)
        assert builds == {"build": 1, "update": 2}
        assert ws.cursor().execute(recovered, day0).fetchall() == [(0, None)]


def test_a_new_stage_rebuilds():
    """The levels count the stages present in all events: an import bringing the first
    checkout changes every session's level, so the tables are rebuilt, not updated."""
    first = [_event(1, "s1", "c1", 0, 0, "view"), _event(2, "s1", "c1", 0, 5, "purchase")]
    with Workspace(":memory:") as ws:
        ws.import_frame("events", pl.DataFrame(first, schema=SCHEMA), file_name="1.csv")
        levels = "select level, units from funnel_session_days"
        assert ws.cursor().execute(levels).fetchall() == [(2, 1)]  # view -> purchase
        ws.import_frame("events", pl.DataFrame([_event(3, "s2", "c2", 1, 0, "checkout")],
                                               schema=SCHEMA), file_name="2.csv")
        # steps are now view, checkout, purchase: s1 skips checkout (level 1), s2 has none
        # of step 1 (level 0)
        assert sorted(ws.cursor().execute(levels).fetchall()) == [(0, 1), (1, 1)]


def _after(first: list[dict], second: list[dict], *, delete_first: bool = False):
    """The funnel tables after importing ``first`` then ``second`` (and deleting the first
    import), updated in place, and those of a rebuild from the events left."""
    with Workspace(":memory:") as ws:
        one = ws.import_frame("events", pl.DataFrame(first, schema=SCHEMA), file_name="1.csv")
        ws.import_frame("events", pl.DataFrame(second, schema=SCHEMA), file_name="2.csv")
        if delete_first:
            ws.delete_import(one.import_id)
        events = ws.cursor().sql("select * exclude (import_id) from events").pl()
        got = _tables(ws)
    with Workspace.from_frames(events=events) as fresh:
        return got, _tables(fresh)


def test_a_split_session_whose_events_all_go_leaves_the_tables(builds):
    """s1 crosses midnight (split); deleting the import that brought it removes its
    stored split events, facts and its customer's purchases."""
    first = [_event(1, "s1", "c1", 0, 1430, "view"), _event(2, "s1", "c1", 1, 20, "add_to_cart"),
             _event(3, "s2", "c1", 2, 0, "purchase")]
    second = [_event(4, "s3", "c2", 3, 0, "view"), _event(5, "s3", "c2", 3, 5, "add_to_cart"),
              _event(6, "s3", "c2", 3, 9, "purchase")]
    got, want = _after(first, second, delete_first=True)
    assert builds["update"] == 2
    assert want["funnel_split_events"] == [] and want["funnel_split_purchases"] == []
    _same(got, want)


def test_a_purchase_elsewhere_joins_the_split_purchases(builds):
    """c1 has a split session in the first import; the second brings a purchase of c1's in
    a whole session weeks later, on days no split event is on: it must be among the
    purchases where split carts look up their recovery."""
    first = [_event(1, "s1", "c1", 0, 1430, "view"), _event(2, "s1", "c1", 1, 20, "add_to_cart"),
             _event(3, "s7", "c3", 0, 0, "purchase")]
    second = [_event(4, "s9", "c1", 15, 0, "view"), _event(5, "s9", "c1", 15, 7, "purchase")]
    got, want = _after(first, second)
    assert builds["update"] == 1
    assert len(want["funnel_split_purchases"]) == 1
    _same(got, want)


def test_a_session_made_split_brings_its_customers_purchases(builds):
    """c2's session s2 is whole until a guest event on another day joins it: c2 then has a
    split session, so c2's purchases (in s5, days away) must join the split purchases."""
    first = [_event(1, "s2", "c2", 0, 0, "view"), _event(2, "s2", "c2", 0, 5, "add_to_cart"),
             _event(3, "s5", "c2", 9, 0, "view"), _event(4, "s5", "c2", 9, 3, "purchase")]
    second = [_event(5, "s2", None, 1, 0, "add_to_cart")]
    got, want = _after(first, second)
    assert builds["update"] == 1
    assert len(want["funnel_split_purchases"]) == 1
    _same(got, want)

