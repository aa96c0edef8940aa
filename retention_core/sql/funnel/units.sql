-- One row per funnel unit (a session, or a customer when $unit = 'customer') with the
-- deepest funnel step it reaches (docs/metrics-funnel.md, "Reaching a step").
--
-- The events placeholder below is filled in by metrics.funnel with funnel/scoped_events.sql
-- (the events the filters select) or funnel/split_events.sql (the same, read from the
-- derived table of sessions the per-session table cannot answer).
--
-- Parameters besides the filters:
--   $unit           'session' or 'customer'; events without that id are left out
--   $steps          the stages present in scope, in funnel order (step = position)
--   $window_us      conversion window in microseconds
--   $cart_step      step of the cart stage (add_to_cart, else checkout), or NULL
--   $purchase_step  step of purchase, or NULL when no purchase event is in scope
--
-- A unit reaches step j from a step-1 event at t1 when it has events of steps 2..j at
-- times t1 <= t2 <= ... <= tj <= t1 + window (ties count as in order). Its level is the
-- highest j over all of its step-1 events. For one start the earliest completion is
-- found greedily: t2 = the first step-2 time >= t1, t3 = the first step-3 time >= t2,
-- ... (an ASOF join per step); taking the earliest event at every step can only leave
-- more room in the window for the next one, so the greedy chain reaches as far as any.
with unit_events as (
    select
        case when $unit = 'customer' then customer_id else session_id end as unit_id,
        event_id,
        customer_id,
        event_at,
        stage,
        list_position($steps, stage) as step,
        device,
        source,
        value
    from (
__events__
    ) as events_in_scope
    where list_contains($steps, stage)
),

keyed_events as (
    select * from unit_events
    where unit_id is not null
),

step_1 as (
    select distinct unit_id, event_at as t1 from keyed_events where step = 1
),

step_2 as (
    select distinct unit_id, event_at from keyed_events where step = 2
),

step_3 as (
    select distinct unit_id, event_at from keyed_events where step = 3
),

step_4 as (
    select distinct unit_id, event_at from keyed_events where step = 4
),

chain_2 as (
    select
        s.unit_id,
        s.t1,
        case when n.event_at <= s.t1 + to_microseconds($window_us) then n.event_at end as t2
    from step_1 as s
    asof left join step_2 as n
        on s.unit_id = n.unit_id and n.event_at >= s.t1
),

chain_3 as (
    select
        c.*,
        case when n.event_at <= c.t1 + to_microseconds($window_us) then n.event_at end as t3
    from chain_2 as c
    asof left join step_3 as n
        on c.unit_id = n.unit_id and n.event_at >= c.t2
),

chain_4 as (
    select
        c.*,
        case when n.event_at <= c.t1 + to_microseconds($window_us) then n.event_at end as t4
    from chain_3 as c
    asof left join step_4 as n
        on c.unit_id = n.unit_id and n.event_at >= c.t3
),

starts as (
    select
        unit_id,
        t1,
        1 + (t2 is not null)::int + (t3 is not null)::int + (t4 is not null)::int as level,
        coalesce(t4, t3, t2, t1) as reached_at
    from chain_4
),

-- Time to purchase: from the earliest step-1 event that leads to a purchase, to the
-- earliest purchase completing a chain from it.
unit_levels as (
    select
        unit_id,
        max(level) as level,
        arg_min(epoch(reached_at) - epoch(t1), t1)
            filter (where level >= $purchase_step) as seconds_to_purchase
    from starts
    group by unit_id
),

-- Facts of a unit from all of its funnel events: its first event (the week it counts
-- in), the device, source and customer of its first event that has one (equal times in
-- event_id order), and its cart (last cart-stage event, value).
unit_facts as (
    select
        unit_id,
        min(event_at) as first_event_at,
        arg_min(device, (event_at, event_id)) as device,
        arg_min(source, (event_at, event_id)) as source,
        arg_min(customer_id, (event_at, event_id))
            filter (where customer_id is not null) as customer_id,
        max(event_at) filter (where step >= $cart_step and stage <> 'purchase') as last_cart_at,
        arg_max(value, (event_at, event_id))
            filter (where stage = 'checkout' and value is not null) as checkout_value,
        sum(value) filter (where stage = 'add_to_cart') as added_value
    from keyed_events
    group by unit_id
),

final as (
    select
        f.unit_id,
        f.customer_id,
        f.first_event_at,
        cast(date_trunc('week', f.first_event_at) as date) as week,
        f.device,
        f.source,
        coalesce(l.level, 0) as level,
        coalesce(l.level >= $cart_step, false) as reached_cart,
        coalesce(l.level >= $purchase_step, false) as purchased,
        l.seconds_to_purchase,
        f.last_cart_at,
        -- a checkout carries the cart total; without one, the items added add up to it
        coalesce(f.checkout_value, f.added_value) as cart_value
    from unit_facts as f
    left join unit_levels as l using (unit_id)
)

select * from final
