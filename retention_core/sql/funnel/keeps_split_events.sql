-- Whether the global filters keep every event of the split sessions: then their per-unit
-- facts are the stored funnel_all_split_units. The placeholder below is
-- funnel/split_events.sql (the split events the filters select, filled in by
-- metrics.funnel), so the conditions are those of the live computation itself.
with kept as (
    select count(*) as events
    from (
__split_events__
    )
)

select kept.events = (select count(*) from funnel_split_events) as keeps_all
from kept
