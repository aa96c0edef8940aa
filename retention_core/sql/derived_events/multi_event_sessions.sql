-- The funnel events of whole sessions with more than one (what funnel/units.sql reads
-- in the builder; one-event sessions are read from funnel_session_kinds directly).
select *
from funnel_build_events
where list_contains($steps, stage)
  and session_id in (
      select session_id from funnel_session_kinds where is_whole and events > 1
  )
