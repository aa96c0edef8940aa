-- Per-customer summary at "as of" for the KPI tiles: churn (SPEC.md: last order older
-- than the churn window, i.e. none in the $churn_days days ending with "as of"), repeat
-- buyers and days from first to second order. Customers: those acquired in the range.
with customers as (
    -- second_at: the second smallest order time (equal to the first on a same-time tie),
    -- NULL for one-order customers; no per-customer sort needed
    select
        customer_id,
        min(ordered_at) as first_at,
        max(ordered_at) as last_at,
        count(*) as orders,
        min(ordered_at, 2)[2] as second_at
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
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
