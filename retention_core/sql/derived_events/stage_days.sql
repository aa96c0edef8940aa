-- Funnel events per day, device, source and stage: what funnel/stages.sql counts, for
-- any date range (the filters cut at midnight), channel and device without reading the
-- events. $vocabulary is schema.FUNNEL_STAGES. The rows of table funnel_stage_days
-- (retention_core/derived/events.py creates it, or updates the days an import touched).
with funnel_events as (
    select
        cast(event_at as date) as day,
        device,
        source,
        stage,
        event_at
    from events
    where list_contains($vocabulary, stage)
),

final as (
    select
        day,
        device,
        source,
        stage,
        count(*) as events,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from funnel_events
    group by day, device, source, stage
)

select * from final
order by day
