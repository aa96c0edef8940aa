-- The first steps of the customer retention rate (a part, before crr_steps.sql): every
-- order of a customer in scope with the customer's previous and next order days, as
-- `order_days` (customer_id, order_day, previous_day, next_day, first_day, order_number,
-- ordered_at, revenue), from one window pass. On order_facts the same rows come from a
-- scan in the table's order instead (retention_core.metrics.order_days), which fills this
-- part with a read of those rows.
history as (
    -- every customer's order up to "as of" that passes the channel / country / device
    -- filters; not made distinct: a second order on the same day gets a stretch that
    -- ends where it starts (its "next order day" is that same day), so it adds nothing
    select customer_id, cast(ordered_at as date) as order_day, ordered_at, revenue
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

order_days as (
    -- each order with the customer's previous and next order days (one window pass)
    select
        customer_id,
        order_day,
        lag(order_day) over by_customer as previous_day,
        lead(order_day) over by_customer as next_day,
        -- for repeat_buying.sql (new or returning buyer, time between orders); unused
        -- columns cost nothing here
        first_value(order_day) over by_customer as first_day,
        row_number() over by_customer as order_number,
        ordered_at,
        revenue
    from history
    window by_customer as (partition by customer_id order by order_day)
),

