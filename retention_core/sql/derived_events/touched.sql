-- What a change to `events` (an import, a deleted import) can reach in the funnel tables
-- (retention_core/derived/events.py, `update`), from the temp table touched_rows (each
-- changed event as stored before and as written after; every event has a session and a
-- time). Parameters: $steps, the stages present; $recovery_days, the recovery window in
-- whole days, plus one.

-- The days with a changed event: their stage counts are computed again (first, alone:
-- the stages present are read from those counts).
create or replace temp table touched_days as
select distinct cast(event_at as date) as day
from touched_rows;

create or replace temp table touched_sessions as
select distinct session_id
from touched_rows;

-- The days whose whole sessions are computed again: the days of the changed events, every
-- day on which a touched session has a funnel event now (a session can become whole or
-- split), and the days whose abandoned carts a changed purchase can recover (up to the
-- recovery window before it; a whole session's carts are on its one day).
create or replace temp table affected_days as
select day
from touched_days
union
select cast(event_at as date) as day
from events
where session_id in (select session_id from touched_sessions)
  and list_contains($steps, stage)
union
select cast(unnest(generate_series(
    cast(event_at as date) - $recovery_days, cast(event_at as date), interval 1 day
)) as date) as day
from touched_rows
where stage = 'purchase'
  and customer_id is not null;

-- The sessions computed again: the touched ones and every session with a funnel event on
-- an affected day (all the whole sessions of those days, and the split ones crossing them).
create or replace temp table affected_sessions as
select session_id
from events
where list_contains($steps, stage)
  and cast(event_at as date) in (select day from affected_days)
union
select session_id
from touched_sessions;

-- The customers whose purchases funnel_split_purchases keeps or drops: those of the
-- changed events and those of the affected sessions' split events so far (the customers
-- of their new split events are added when that table is written).
create or replace temp table affected_customers as
select customer_id
from touched_rows
where customer_id is not null
union
select customer_id
from funnel_split_events
where customer_id is not null
  and session_id in (select session_id from affected_sessions);

-- What the session-level queries read instead of every event.
create or replace temp view funnel_build_events as
select *
from events
where session_id in (select session_id from affected_sessions);

select
    (select count(*) from affected_days) as days,
    (select count(distinct day) from funnel_stage_days) as all_days;
