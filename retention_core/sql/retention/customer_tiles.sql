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
-- Both group the same orders by customer, so they share one aggregate.
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
        count(*) filter (where $f_start is null or ordered_at >= $f_start) as orders_in_range
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
        h.median_days_to_second
    from customer_totals as c
    cross join order_totals as o
    cross join churn as h
)

select * from final
