-- The funnel/unit_groups.sql rows of the units the filters select, from the derived
-- tables: whole sessions (funnel_session_days; a filter keeps or drops a whole session,
-- and the filters cut at midnight, so `day` decides like `event_at`) and the split ones
-- (temp table funnel_split_units; the placeholder below is funnel/unit_groups.sql over
-- them and funnel/split_purchases.sql).
with whole_sessions as (
    select
        day,
        device,
        source,
        level,
        bucket,
        units,
        abandoned_carts,
        carts_with_value,
        abandoned_value,
        recovered_carts,
        recovered_value
    from funnel_session_days
    where ($f_start is null or day >= $f_start)
      and ($f_end is null or day < $f_end)
      and ($f_channels is null or list_contains($f_channels, source))
      and ($f_devices is null or list_contains($f_devices, device))
),

split_sessions as (
__groups__
),

final as (
    select * from whole_sessions
    union all by name
    select * from split_sessions
)

select * from final
