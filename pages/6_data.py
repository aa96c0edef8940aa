"""Data: upload exports, check how they were understood, import, manage the imports (issue 2)."""

import streamlit as st

from dashboard import state, ui
from retention_core.charts import data as charts
from retention_core.errors import RetentionError
from retention_core.ingest import activity, import_prepared, prepare_raw, suggest_for, uploads
from retention_core.mapping import describe_fields, mappable_fields, required_fields
from retention_core.presets import GENERIC, preset_names_for
from retention_core.schema import KINDS

ctx = state.page_context()
ws = state.user_workspace()

st.title("Data")
if ws.is_empty():
    st.info("The dashboard shows **demo data** until you import your own exports. Your first "
            "import replaces the demo on every page.", icon=":material/science:")

KIND_LABELS = {"orders": "Orders", "surveys": "Survey answers (NPS / CSAT)",
               "events": "Funnel events (views, carts, checkouts)"}
NOT_MAPPED = "— not in this file —"


def cached(fn, *args, **kwargs):
    return ui.run_or_stop(state.cached, fn, ws, *args, **kwargs)


# -- upload -------------------------------------------------------------------------------
st.subheader("Import files")
files = st.file_uploader(
    "Drop exports here: Shopify, WooCommerce, UCI Online Retail, GA4, or any CSV / CSV.gz / "
    "Parquet / XLSX with orders, survey answers or events. Files with the same columns are "
    "imported together (e.g. one export per day).",
    accept_multiple_files=True, key="data_uploads",
    type=["csv", "tsv", "txt", "gz", "parquet", "xlsx"])

signature = tuple((f.file_id, f.name, f.size) for f in files or [])
if st.session_state.get("data_signature") != signature:
    read = []
    if files:
        with st.status(f"Reading {len(files)} file(s)…", expanded=False) as status:
            bar = st.progress(0.0)
            for i, f in enumerate(files):
                bar.progress(i / len(files), text=f"Reading {f.name}")
                read.append(uploads.read_upload(f.name, f.getvalue()))
            bar.progress(1.0, text="Done")
            status.update(label=f"Read {len(files)} file(s)", state="complete")
    st.session_state.data_signature = signature
    st.session_state.data_batches = uploads.group_uploads(read)
    st.session_state.data_prepared = {}
batches = st.session_state.get("data_batches", [])
prepared_cache = st.session_state.setdefault("data_prepared", {})


def prepare_batch(batch, kind, preset, mapping, stage_text, survey):
    """The prepared import of a batch for these choices (kept in session state)."""
    key = (batch.key, kind, preset, tuple(sorted(mapping.items())), stage_text, survey)
    if key not in prepared_cache:
        try:
            stage_map = uploads.parse_stage_text(stage_text) if stage_text else None
            prepared_cache[key] = prepare_raw(batch.frame, batch.files, kind=kind,
                                              preset=preset, mapping=mapping,
                                              stage_map=stage_map, survey=survey)
        except RetentionError as err:
            prepared_cache[key] = err
    return prepared_cache[key]


def show_report(prepared, key):
    report = prepared.report
    unit = report.unit
    cols = st.columns(6 if report.kind == "orders" else 4)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric(f"{unit.capitalize()} kept", f"{report.kept:,}")
    cols[2].metric("Rejected", f"{report.rejected:,}", help="Not imported; see the reasons below.")
    cols[3].metric("Duplicates skipped", f"{report.duplicates:,}",
                   help="Copies of rows that a later file of this batch also has.")
    if report.kind == "orders":
        cols[4].metric("Excluded", f"{report.excluded:,}",
                       help="Cancelled / refunded / voided / failed: stored, not in metrics.")
        share = report.guest_share
        cols[5].metric("Guest orders", "—" if share is None else share, format="percent",
                       help="Orders without a customer: they count for revenue and orders, "
                            "not for customer metrics.")
    for note in report.notes:
        st.caption(note)
    if report.by_reason:
        st.dataframe({"reason": list(report.by_reason), "count": list(report.by_reason.values())},
                     hide_index=True, key=f"reasons_{key}")
    if report.issues.height:
        with st.expander(f"Rejected, excluded and unreadable rows ({report.issues.height:,})"):
            st.dataframe(report.issues.head(500), hide_index=True, key=f"issues_{key}")
            ui.download_csv(report.issues, f"import_issues_{key}.csv",
                            label="Download all as CSV", key=f"dl_issues_{key}")


def show_batch(i, batch):
    with st.container(border=True):
        st.markdown(f"**{batch.label}** · {batch.rows:,} rows")
        if len(batch.files) > 1:
            st.caption("Files: " + ", ".join(f.name for f in batch.files))
        if batch.error:
            st.error(batch.error)
            return None
        detected = batch.suggestion
        if detected is None:
            st.warning(f"{batch.detect_error} Choose what the file holds below.")
        else:
            preset_note = f", preset **{detected.preset}**" if detected.preset else ""
            st.caption(f"Detected: **{KIND_LABELS[detected.kind]}**{preset_note}")
        top = st.columns(3)
        kind = top[0].selectbox("The file holds", KINDS, format_func=KIND_LABELS.get,
                                index=KINDS.index(detected.kind) if detected else 0,
                                key=f"kind_{batch.key}")
        options = ["auto", *preset_names_for(kind), GENERIC]
        preset = top[1].selectbox("Format", options, key=f"preset_{batch.key}_{kind}",
                                  format_func=lambda p: {"auto": "detect", GENERIC: "generic (by "
                                                         "column names)"}.get(p, p),
                                  help="A known export format, or generic: columns matched by "
                                       "their names.")
        preset = None if preset == "auto" else preset
        survey = stage_text = None
        if kind == "surveys":
            picked = top[2].selectbox("Survey", ["from the file", "nps", "csat"],
                                      key=f"survey_{batch.key}",
                                      help="NPS answers are 0-10, CSAT 1-5.")
            survey = None if picked == "from the file" else picked
        if kind == "events":
            stage_text = top[2].text_input("Extra stages (RAW=STAGE, …)", key=f"stages_{batch.key}",
                                           placeholder="1=view, 3=add_to_cart, 4=purchase")

        try:
            base = suggest_for(batch.frame, kind=kind, preset=preset)
        except RetentionError as err:
            st.error(str(err))
            return None
        columns = list(base.columns)
        notes = describe_fields(kind)
        chosen: dict[str, str | None] = {}
        with st.expander("Column mapping", expanded=bool(base.missing)):
            st.caption("The file's first rows, as written:")
            st.dataframe(batch.frame.head(5), hide_index=True, key=f"raw_{batch.key}")
            grid = st.columns(3)
            for j, name in enumerate(mappable_fields(kind)):
                current = base.mapping.get(name)
                label = name + (" *" if name in required_fields(kind) else "")
                picked = grid[j % 3].selectbox(
                    label, [NOT_MAPPED, *columns],
                    index=columns.index(current) + 1 if current in columns else 0,
                    key=f"map_{batch.key}_{kind}_{preset}_{name}", help=notes.get(name))
                value = None if picked == NOT_MAPPED else picked
                if value != current:
                    chosen[name] = value
            st.caption("* required. Ids (order_id, response_id) are derived from each row "
                       "when the file has none.")
        prepared = prepare_batch(batch, kind, preset, chosen, stage_text or "", survey)
        if isinstance(prepared, RetentionError):
            st.error(str(prepared))
            return None
        st.markdown("**Preview** (first rows after reading)")
        st.dataframe(prepared.preview(), hide_index=True, key=f"preview_{batch.key}")
        if prepared.report.formats:
            st.caption(" · ".join(f"{k}: {v}" for k, v in prepared.report.formats.items()))
        show_report(prepared, batch.key)
        if st.button(f"Import {prepared.report.imported:,} {prepared.report.unit}",
                     key=f"import_{i}", type="primary",
                     icon=":material/upload:"):
            do_import([prepared])
        return prepared


def do_import(items):
    with st.status("Importing…", expanded=True) as status:
        bar = st.progress(0.0)
        results = []
        for n, prep in enumerate(items):
            def show(done, total, n=n, prep=prep):
                # after the last slice the import rebuilds the derived tables (seconds
                # at millions of rows): say so rather than sit at "all stored"
                then = "; updating the summary tables" if done and done >= total else ""
                bar.progress((n + done / max(total, 1)) / len(items),
                             text=f"Importing {prep.file_name}: {done:,} of {total:,} "
                                  f"{prep.report.unit} stored{then}")

            show(0, prep.frame.height)
            result = ui.run_or_stop(import_prepared, ws, prep, progress=show)
            results.append((prep, result))
        bar.progress(1.0, text="Done")
        status.update(label="Imported", state="complete")
    st.session_state.data_last_import = [
        f"{prep.file_name}: {result.new:,} new, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged" for prep, result in results]
    st.rerun()  # redraw everything (sidebar, demo notice) from the new workspace


ready = []
for i, batch in enumerate(batches):
    prep = show_batch(i, batch)
    if prep is not None:
        ready.append(prep)
if len(ready) > 1 and st.button(f"Import all {len(ready)} batches", key="import_all"):
    do_import(ready)
for line in st.session_state.get("data_last_import", []):
    st.success(line, icon=":material/check_circle:")

# -- what the workspace holds ----------------------------------------------------------------
st.subheader("Imported data")
imports = cached(activity.list_imports_with_reports)
if imports.is_empty():
    st.caption("Nothing imported yet.")
else:
    st.dataframe(imports, hide_index=True, key="imports_table")
    left, right = st.columns(2)
    with left:
        names = dict(imports.select("import_id", "file_name").iter_rows())
        pick = st.selectbox("Import to delete", list(names), key="delete_pick",
                            format_func=lambda i: f"#{i} {names[i]}")
        if st.button("Delete this import", key="delete_import", icon=":material/delete:"):
            ui.run_or_stop(ws.delete_import, int(pick))
            st.session_state.data_last_import = []
            st.rerun()
    with right:
        sure = st.checkbox("Yes, delete everything I imported", key="reset_confirm")
        if st.button("Reset workspace", key="reset_workspace", disabled=not sure,
                     icon=":material/restart_alt:"):
            ui.run_or_stop(ws.reset)
            st.session_state.data_last_import = []
            st.rerun()

    daily = cached(activity.compute_daily_activity)
    ui.chart(charts.plot_daily_activity(daily), daily, "rows_per_day")
    st.dataframe(cached(activity.summarise_activity), hide_index=True, key="activity_summary")
    undated = cached(activity.count_undated_answers)
    if undated:
        st.caption(f"{undated:,} survey answers have no date: they count for the overall "
                   "scores, not for trends.")
