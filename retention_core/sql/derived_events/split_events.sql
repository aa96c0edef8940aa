-- The funnel events of *split* sessions (not whole, see session_kinds.sql): a global
-- filter can take part of such a session, so its levels are computed from these events
-- at query time; every whole session is either wholly in a filter or wholly out.
create or replace table funnel_split_events as
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
  and session_id in (select session_id from funnel_session_kinds where not is_whole)
