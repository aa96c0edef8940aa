-- The per-unit rows of whole sessions (temp table made by derived_events/whole_units.sql).
select * from funnel_whole_units
