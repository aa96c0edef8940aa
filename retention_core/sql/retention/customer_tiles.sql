-- The figures of the Retention page's KPI tiles in one pass over the orders up to "as of"
-- (SPEC.md):
-- * order KPIs over the orders in the date range: customers = distinct customer_id;
--   purchase frequency = orders with a customer_id / customers; AOV = revenue / orders
--   (guest orders included); repeat purchase rate = customers with 2+ orders / customers
--   with 1+ orders, orders counted within the filters;
-- * churn and the customer-level tiles over the customers acquired in the range (first
--   order on or after its start), with their whole history up to "as of": churned = last
--   order older than the churn window (none in the $churn_days days ending with "as of"),
--   repeat buyers, days from first to second order.
-- * the customer retention rate of one complete period [$crr_start, $crr_end) for its tile
--   (as retention/customer_retention_rate.sql defines it: S = customers with an order
--   in the $activity_days days before the period's first midnight, E = the same before
--   its end, N = customers whose first order falls in it), when those bounds are given.
-- All group the same orders by customer, so they share one aggregate.
with orders_to_date as (
    select customer_id, ordered_at, revenue
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
),

per_customer as (
    -- second_at: the second smallest order time (equal to the first on a same-time tie),
    -- NULL for one-order customers; no per-customer sort needed
    select
        customer_id,
        min(ordered_at) as first_at,
        max(ordered_at) as last_at,
        count(*) as orders,
        min(ordered_at, 2)[2] as second_at,
        count(*) filter (where $f_start is null or ordered_at >= $f_start) as orders_in_range,
        -- the last order before the period's first midnight and before its end
        -- (case, not filter: ~10% cheaper here)
        max(case when ordered_at < $crr_start then ordered_at end) as last_before_start,
        max(case when ordered_at < $crr_end then ordered_at end) as last_before_end
    from orders_to_date
    where customer_id is not null
    group by customer_id
),

customer_totals as (
    select
        count(*) filter (where orders_in_range >= 1) as customers,
        count(*) filter (where orders_in_range >= 2) as repeat_customers,
        coalesce(sum(orders_in_range), 0) as customer_orders
    from per_customer
),

order_totals as (
    select count(*) as orders, coalesce(sum(revenue), 0) as revenue
    from orders_to_date
    where $f_start is null or ordered_at >= $f_start
),

acquired as (
    select
        $as_of_day - cast(last_at as date) as days_since_last,
        cast(second_at as date) - cast(first_at as date) as days_to_second,
        orders
    from per_customer
    where $f_start is null or first_at >= $f_start
),

churn as (
    select
        count(*) as acquired_customers,
        count(*) filter (where days_since_last >= $churn_days) as churned,
        count(*) filter (where orders >= 2) as acquired_repeat_customers,
        median(days_to_second) as median_days_to_second
    from acquired
),

retention_rate as (
    select
        -- active at a midnight: an order in the $activity_days days before it
        count(*) filter (
            where last_before_start >= cast($crr_start as timestamp) - to_days($activity_days)
        ) as crr_start_customers,
        count(*) filter (
            where last_before_end >= cast($crr_end as timestamp) - to_days($activity_days)
        ) as crr_end_customers,
        count(*) filter (where first_at >= $crr_start and first_at < $crr_end)
            as crr_new_customers,
        min(first_at) as first_order_at
    from per_customer
),

final as (
    select
        c.customers,
        o.orders,
        o.revenue,
        o.revenue / nullif(o.orders, 0) as aov,
        c.customer_orders / nullif(c.customers, 0) as purchase_frequency,
        c.repeat_customers / nullif(c.customers, 0) as repeat_purchase_rate,
        h.acquired_customers,
        h.churned,
        h.acquired_repeat_customers,
        h.median_days_to_second,
        r.crr_start_customers,
        r.crr_end_customers,
        r.crr_new_customers,
        r.first_order_at
    from customer_totals as c
    cross join order_totals as o
    cross join churn as h
    cross join retention_rate as r
)

select * from final
