-- One row per session with funnel events (the stages present in all events, $steps):
-- how many, whether it is *whole* (all on one day, one device, one source; a NULL counts
-- as a value of its own) and, for a session of one event, that event. A temp table the
-- builder reads three times and then drops. funnel_build_events: every event, or the events
-- of the sessions an import touched (retention_core/derived/events.py).
create or replace temp table funnel_session_kinds as
with funnel_events as (
    select
        session_id,
        event_id,
        customer_id,
        event_at,
        stage,
        device,
        source,
        value
    from funnel_build_events
    where list_contains($steps, stage)
      and session_id is not null
),

final as (
    select
        session_id,
        count(*) as events,
        count(event_at) = count(*)
            and min(cast(event_at as date)) = max(cast(event_at as date))
            and (count(device) = 0 or (count(device) = count(*) and min(device) = max(device)))
            and (count(source) = 0 or (count(source) = count(*) and min(source) = max(source)))
            as is_whole,
        -- the event of a one-event session (any_value of one row is that row)
        any_value(customer_id) as customer_id,
        min(event_at) as event_at,
        any_value(stage) as stage,
        any_value(device) as device,
        any_value(source) as source,
        any_value(value) as value
    from funnel_events
    group by session_id
)

select * from final
