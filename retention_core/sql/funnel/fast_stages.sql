-- funnel/stages.sql from the derived table funnel_stage_days (funnel events per day,
-- device, source and stage): the filters cut at midnight, so `day` decides like
-- `event_at`. $vocabulary gives the funnel order.
with stage_days_in_scope as (
    select
        stage,
        events,
        first_event_at,
        last_event_at
    from funnel_stage_days
    where ($f_start is null or day >= $f_start)
      and ($f_end is null or day < $f_end)
      and ($f_channels is null or list_contains($f_channels, source))
      and ($f_devices is null or list_contains($f_devices, device))
),

final as (
    select
        stage,
        list_position($vocabulary, stage) as stage_order,
        cast(sum(events) as bigint) as events,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at
    from stage_days_in_scope
    group by stage
)

select * from final
order by stage_order
