-- Per-unit funnel facts of every whole session (unit = session, the default conversion
-- window, the stages present in all events), as a temp table the builder aggregates and
-- then drops. A global filter takes a whole session entirely or not at all, so its row
-- is what the live query computes for it under any filter that keeps it (and the same
-- stages). Sessions of several events: funnel/units.sql over their events (the
-- placeholder below). A session of one event at step s is what funnel/units.sql makes of
-- it: level 1 when s = 1 (a start and nothing after it), else 0; converted only when the
-- funnel is that one stage (0 seconds); its cart is its own time and value.
create or replace temp table funnel_whole_units as
with multi_event_units as (
__units__
),

one_event_sessions as (
    select
        *,
        list_position($steps, stage) as step
    from funnel_session_kinds
    where is_whole and events = 1
),

one_event_units as (
    select
        session_id as unit_id,
        customer_id,
        event_at as first_event_at,
        cast(date_trunc('week', event_at) as date) as week,
        device,
        source,
        cast(step = 1 as integer) as level,
        coalesce(cast(step = 1 as integer) >= $cart_step, false) as reached_cart,
        coalesce(cast(step = 1 as integer) >= $purchase_step, false) as purchased,
        case when step = 1 and $purchase_step = 1 then cast(0 as double) end
            as seconds_to_purchase,
        case when step >= $cart_step and stage <> 'purchase' then event_at end as last_cart_at,
        case when stage in ('checkout', 'add_to_cart') then value end as cart_value
    from one_event_sessions
),

final as (
    select * from multi_event_units
    union all by name
    select * from one_event_units
)

select * from final
