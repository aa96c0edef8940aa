-- Per-unit funnel facts of every split session with all of its events (unit = session, the
-- default conversion window, the stages present in all events): funnel/units.sql over
-- funnel/split_events.sql without filters (the placeholder below). A view whose filters
-- keep every split event (no date range cutting one, no source or device filter) reads
-- these rows instead of computing them again (metrics.funnel._split_units). The rows of
-- table funnel_all_split_units.
__units__
