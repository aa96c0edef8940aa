-- Funnel stages present in the scoped events, in funnel order, with their counts and
-- time span. $vocabulary is schema.FUNNEL_STAGES; events whose stage is NULL or not in
-- it (raw events outside the vocabulary) are not funnel events.
with funnel_events as (
    select
        stage,
        event_at
    from scoped_events($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where list_contains($vocabulary, stage)
),

final as (
    select
        stage,
        list_position($vocabulary, stage) as stage_order,
        count(*) as events,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from funnel_events
    group by stage
)

select * from final
order by stage_order
