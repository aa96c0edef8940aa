-- Customers ordering in the previous or the current period, counted by period and the
-- segments of their first order (how they were acquired): the units behind new and
-- returning customers and the repeat purchase rate in "what changed" (the counts add
-- up, so explaining a change on these groups equals explaining it customer by customer).
-- "2+ orders up to the period's end": an order before the period, or two in it.
with orders_in_scope as (
    select
        customer_id,
        -- an order's rank among its customer's orders, for the first order
        -- (retention_core.metrics.common.order_rank)
        -- {order_rank}
        channel,
        country,
        device,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

orders_in_periods as (
    -- the two periods' days only ($records_start, $records_end: as in order_records.sql)
    select
        customer_id,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders(greatest($f_start, $records_start), least($f_end, $records_end),
        $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

customers_per_period as (
    select
        period_start,
        customer_id,
        count(*) as orders_in_period
    from orders_in_periods
    where period_start in ($previous_start, $current_start)
    group by period_start, customer_id
),

-- first orders of those customers only (ties in order_id order, as everywhere)
first_orders as (
    select
        customer_id,
        arg_min({'channel': channel, 'country': country, 'device': device},
                order_rank) as segment,
        min(period_start) as first_period
    from orders_in_scope
    where customer_id in (select customer_id from customers_per_period)
    group by customer_id
),

flagged as (
    select
        c.period_start = $current_start as is_current,
        f.segment.channel as channel,
        f.segment.country as country,
        f.segment.device as device,
        f.first_period = c.period_start as is_new,
        f.first_period < c.period_start as is_returning,
        f.first_period < c.period_start or c.orders_in_period >= 2 as is_repeat
    from customers_per_period as c
    inner join first_orders as f using (customer_id)
),

final as (
    select
        is_current,
        channel,
        country,
        device,
        cast(count(*) as double) as customer_count,
        cast(count(*) filter (where is_new) as double) as is_new,
        cast(count(*) filter (where is_returning) as double) as is_returning,
        cast(count(*) filter (where is_repeat) as double) as is_repeat
    from flagged
    group by is_current, channel, country, device
)

select * from final
