-- The funnel events of *split* sessions: sessions whose funnel events do not all share
-- one day, one device and one source (a NULL counts as a value of its own). A global
-- filter can take part of such a session, so its levels are computed from these events
-- at query time; every other session is either wholly in a filter or wholly out, and
-- its levels are read from funnel_sessions. $steps: the stages present in all events.
create or replace table funnel_split_events as
with funnel_events as (
    select
        event_id,
        session_id,
        customer_id,
        event_at,
        stage,
        device,
        source,
        value
    from events
    where list_contains($steps, stage)
      and session_id is not null
),

session_kinds as (
    select
        session_id,
        count(event_at) = count(*)
            and min(cast(event_at as date)) = max(cast(event_at as date))
            and (count(device) = 0 or (count(device) = count(*) and min(device) = max(device)))
            and (count(source) = 0 or (count(source) = count(*) and min(source) = max(source)))
            as is_simple
    from funnel_events
    group by session_id
),

final as (
    select e.*
    from funnel_events as e
    semi join (select session_id from session_kinds where not is_simple) as s
        using (session_id)
)

select * from final
