-- The order KPIs of customer_tiles.sql per ISO week (Monday start), every week from the first
-- order in scope to the week of "as of". A week's repeat purchase rate is the share of
-- that week's customers with 2+ orders up to the week's end (orders counted within the
-- filters, so from the date-range start on).
with orders_in_scope as (
    select customer_id, ordered_at, revenue, cast(date_trunc('week', ordered_at) as date) as week
    from scoped_orders($f_start, $until, $f_channels, $f_countries, $f_devices)
),

customer_weeks as (
    select customer_id, week, count(*) as orders
    from orders_in_scope
    where customer_id is not null
    group by customer_id, week
),

customer_weeks_to_date as (
    select
        *,
        sum(orders) over (
            partition by customer_id order by week
            rows between unbounded preceding and current row
        ) as orders_to_date
    from customer_weeks
),

customer_totals as (
    select
        week,
        count(*) as customers,
        sum(orders) as customer_orders,
        count(*) filter (where orders_to_date >= 2) as repeat_customers
    from customer_weeks_to_date
    group by week
),

order_totals as (
    select week, count(*) as orders, sum(revenue) as revenue
    from orders_in_scope
    group by week
),

weeks as (
    select cast(unnest(generate_series(
        cast(min(week) as timestamp), cast($current_start as timestamp), interval 7 day
    )) as date) as week
    from order_totals
    having min(week) is not null
),

final as (
    select
        w.week,
        cast(coalesce(c.customers, 0) as bigint) as customers,
        cast(coalesce(o.orders, 0) as bigint) as orders,
        coalesce(o.revenue, 0) as revenue,
        o.revenue / nullif(o.orders, 0) as aov,
        c.customer_orders / nullif(c.customers, 0) as purchase_frequency,
        c.repeat_customers / nullif(c.customers, 0) as repeat_purchase_rate
    from weeks as w
    left join order_totals as o using (week)
    left join customer_totals as c using (week)
)

select * from final
order by week
