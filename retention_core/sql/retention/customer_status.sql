-- Per-customer summary at "as of" for the KPI tiles: churn (SPEC.md: last order older
-- than the churn window, i.e. none in the $churn_days days ending with "as of"), repeat
-- buyers and days from first to second order. Customers: those acquired in the range.
with history as (
    select order_id, customer_id, ordered_at
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

numbered as (
    select
        customer_id,
        ordered_at,
        row_number() over (partition by customer_id order by ordered_at, order_id)
            as order_number
    from history
),

customers as (
    select
        customer_id,
        min(ordered_at) as first_at,
        max(ordered_at) as last_at,
        count(*) as orders,
        any_value(ordered_at) filter (where order_number = 2) as second_at
    from numbered
    group by customer_id
),

in_scope as (
    select
        *,
        $as_of_day - cast(last_at as date) as days_since_last,
        cast(second_at as date) - cast(first_at as date) as days_to_second
    from customers
    where $f_start is null or first_at >= $f_start
),

final as (
    select
        count(*) as customers,
        count(*) filter (where days_since_last >= $churn_days) as churned,
        count(*) filter (where orders >= 2) as repeat_customers,
        median(days_to_second) as median_days_to_second
    from in_scope
)

select * from final
