-- One row per customer ordering in the previous or the current period, with the segments
-- of their first order (how they were acquired): the units behind customers, new and
-- returning customers and the repeat purchase rate in "what changed".
with orders_in_scope as (
    select
        customer_id,
        ordered_at,
        order_id,
        channel,
        country,
        device,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

numbered_orders as (
    select
        *,
        row_number() over (partition by customer_id order by ordered_at, order_id) as order_number
    from orders_in_scope
),

first_orders as (
    select customer_id, channel, country, device, period_start as first_period
    from numbered_orders
    where order_number = 1
),

customers_per_period as (
    select period_start, customer_id, max(order_number) as orders_to_date
    from numbered_orders
    where period_start in ($previous_start, $current_start)
    group by period_start, customer_id
),

final as (
    select
        c.period_start = $current_start as is_current,
        f.channel,
        f.country,
        f.device,
        cast(1 as double) as customer_count,
        case when f.first_period = c.period_start then 1 else 0 end::double as is_new,
        case when f.first_period < c.period_start then 1 else 0 end::double as is_returning,
        case when c.orders_to_date >= 2 then 1 else 0 end::double as is_repeat
    from customers_per_period as c
    join first_orders as f using (customer_id)
)

select * from final
