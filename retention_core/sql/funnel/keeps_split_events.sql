-- Whether the global filters keep every event of the split sessions (the same conditions
-- as funnel/split_events.sql): then their per-unit facts are the stored
-- funnel_all_split_units.
with kept as (
    select count(*) as events
    from funnel_split_events
    where ($f_start is null or event_at >= $f_start)
      and ($f_end is null or event_at < $f_end)
      and ($f_channels is null or list_contains($f_channels, source))
      and ($f_devices is null or list_contains($f_devices, device))
)

select kept.events = (select count(*) from funnel_split_events) as keeps_all
from kept
