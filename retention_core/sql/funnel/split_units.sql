-- The per-unit levels of the split sessions the filters select (funnel/units.sql over
-- funnel/split_events.sql, filled in by metrics.funnel) as a temp table of this cursor.
create or replace temp table funnel_split_units as
__units__
