-- Order KPIs over everything the filters select, up to "as of" (SPEC.md): customers =
-- distinct customer_id; purchase frequency = orders with a customer_id / customers;
-- AOV = revenue / orders (guest orders included); repeat purchase rate = customers with
-- 2+ orders / customers with 1+ orders, orders counted within the filters.
with orders_in_scope as (
    select customer_id, revenue
    from scoped_orders($f_start, $until, $f_channels, $f_countries, $f_devices)
),

per_customer as (
    select customer_id, count(*) as orders
    from orders_in_scope
    where customer_id is not null
    group by customer_id
),

customer_totals as (
    select
        count(*) as customers,
        count(*) filter (where orders >= 2) as repeat_customers,
        coalesce(sum(orders), 0) as customer_orders
    from per_customer
),

order_totals as (
    select count(*) as orders, coalesce(sum(revenue), 0) as revenue
    from orders_in_scope
),

final as (
    select
        c.customers,
        o.orders,
        o.revenue,
        o.revenue / nullif(o.orders, 0) as aov,
        c.customer_orders / nullif(c.customers, 0) as purchase_frequency,
        c.repeat_customers / nullif(c.customers, 0) as repeat_purchase_rate
    from customer_totals as c
    cross join order_totals as o
)

select * from final
