-- Per-unit funnel facts (funnel/units.sql over all events, unit = session, the default
-- conversion window, the stages present in all events) of every session that is not
-- split, as a temp table the builder aggregates and then drops. A global filter takes
-- such a session whole or not at all, so its row is what the live query computes for it
-- under any filter that keeps it (and the same stages). The placeholder below is
-- funnel/units.sql reading all events.
create or replace temp table funnel_whole_units as
with units as (
__units__
),

final as (
    select u.*
    from units as u
    anti join (select distinct session_id from funnel_split_events) as s
        on s.session_id = u.unit_id
)

select * from final
