-- Wrapper: the per-unit funnel levels (funnel/units.sql) as the relation `funnel_units`
-- of a query on them. metrics.funnel fills the two placeholders below with the text of
-- those two files only, never with values.
with funnel_units as (
__units__
)

select * from (
__query__
)
