-- The funnel events of *split* sessions (not whole, see session_kinds.sql): a global
-- filter can take part of such a session, so its levels are computed from these events
-- at query time; every whole session is either wholly in a filter or wholly out. The rows
-- of table funnel_split_events, from the sessions of funnel_build_events
-- (retention_core/derived/events.py: all events, or the sessions an import touched).
select
    event_id,
    session_id,
    customer_id,
    event_at,
    stage,
    device,
    source,
    value
from funnel_build_events
where list_contains($steps, stage)
  and session_id in (select session_id from funnel_session_kinds where not is_whole)
