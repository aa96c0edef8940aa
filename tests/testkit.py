"""Paths and page helpers shared by the tests (a module of its own: tests/browser has its own
conftest)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def open_tab(at, key: str, label: str):
    """Open the tab ``label`` of the page's ``st.tabs(key=key)`` and rerun (AppTest)."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    return at


def drawn_tabs(at) -> list[str]:
    """Labels of the tabs with content: with lazy tabs only the open one is drawn."""
    return [t.label for t in at.tabs if t.children]


def tab_calls(calls: list[str], tab_functions: dict[str, set[str]]) -> set[str]:
    """The names in ``calls`` that belong to one of the tabs of ``tab_functions``."""
    return set(calls) & set().union(*tab_functions.values())


def count_builds(monkeypatch, kind: str, builder_module) -> dict[str, int]:
    """Count the rebuilds and the in-place updates of ``kind``'s derived tables, with no
    limit on the share of rows, customers or days a change may touch and still update
    (``builder_module.UPDATE_SHARE``, ``derived.UPDATE_MAX_SHARE``): the tests' small shops
    touch most of theirs. Returns the live counts: ``{"build": n, "update": m}``."""
    import dataclasses

    from retention_core import derived

    counts = {"build": 0, "update": 0}
    monkeypatch.setattr(builder_module, "UPDATE_SHARE", 1e9)
    monkeypatch.setattr(derived, "UPDATE_MAX_SHARE", 1e9)
    derived.builders()  # (registers them)

    def counted(builder):
        def build(cur):
            counts["build"] += 1
            builder.build(cur)

        def update(cur):
            done = builder.update(cur)
            counts["update"] += bool(done)
            return done
        return dataclasses.replace(builder, build=build, update=update)

    monkeypatch.setattr(derived, "_BUILDERS", [
        counted(b) if b.kind == kind else b for b in derived._BUILDERS])
    return counts


def updated_and_rebuilt(counts: dict[str, int], apply, steps, kind: str, read):
    """``read`` (a function of a workspace) of a workspace that took ``steps`` through
    ``apply`` and of one built afresh from the rows it stores; checks on the way that
    every change ``apply`` counts as updatable was updated in place, not rebuilt
    (``counts``: from :func:`count_builds`)."""
    from retention_core.workspace import Workspace

    before = counts["update"]
    with Workspace(":memory:") as ws:
        assert apply(ws, steps) == counts["update"] - before
        stored = ws.cursor().sql(f"select * exclude (import_id) from {kind}").pl()  # noqa: S608
        got = read(ws)
    with Workspace.from_frames(**{kind: stored}) as fresh:
        want = read(fresh)
    return got, want
