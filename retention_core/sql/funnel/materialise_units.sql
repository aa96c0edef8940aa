-- The per-unit funnel levels (funnel/units.sql, filled in by metrics.funnel) as a temp
-- table of this cursor, so the page's queries read them without recomputing.
create or replace temp table funnel_units as
__units__
