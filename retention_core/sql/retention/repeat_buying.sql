-- The Repeat buying tab's charts from one window pass over the orders (each customer's
-- orders by day, crr_steps.sql):
-- * the customer retention rate per period (definition in customer_retention_rate.sql);
-- * the orders and revenue per period from new customers, returning customers (first
--   order in an earlier period, SPEC.md "Returning-customer share") and guests (no
--   customer_id). Shares are over all orders of the period, guests included; the date
--   range selects the orders counted, a customer's history before it still decides
--   "returning";
-- * time between orders (SPEC.md): calendar days between a customer's consecutive orders
--   (same-day orders give 0), counted where the later order falls in the date range; and
--   days from first to second order for customers acquired in the range. Same-day orders
--   need no tie-break: they give the same gaps in either order.
-- Rows: one per period of either period series (each side's columns NULL outside its own
-- periods), then one per number of days (`days` set, the period columns NULL).
with
-- {crr_order_days}
-- {crr_steps}

, buyer_orders as (
    -- the customers' orders carry their first order day from the window pass
    select
        cast(date_trunc($period, ordered_at) as date) as period_start,
        revenue,
        case
            when cast(date_trunc($period, first_day) as date)
                < cast(date_trunc($period, ordered_at) as date) then 'returning'
            else 'new'
        end as buyer
    from order_days
    where $f_start is null or ordered_at >= $f_start
    union all
    -- guest orders: a scan of their own (read once more rather than kept from above)
    select cast(date_trunc($period, ordered_at) as date), revenue, 'guest'
    from scoped_orders($f_start, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is null
),

totals as (
    select
        period_start,
        count(*) as orders,
        count(*) filter (where buyer = 'new') as new_orders,
        count(*) filter (where buyer = 'returning') as returning_orders,
        count(*) filter (where buyer = 'guest') as guest_orders,
        coalesce(sum(revenue), 0) as revenue,
        coalesce(sum(revenue) filter (where buyer = 'new'), 0) as new_revenue,
        coalesce(sum(revenue) filter (where buyer = 'returning'), 0) as returning_revenue,
        coalesce(sum(revenue) filter (where buyer = 'guest'), 0) as guest_revenue
    from buyer_orders
    group by period_start
),

buyer_periods as (
    select cast(unnest(generate_series(
        cast(min(period_start) as timestamp), cast($current_start as timestamp),
        case $period when 'week' then interval 7 day when 'month' then interval 1 month
            else interval 3 month end
    )) as date) as period_start
    from totals
    having min(period_start) is not null
),

returning_share as (
    select
        p.period_start,
        coalesce(t.orders, 0) as orders,
        coalesce(t.new_orders, 0) as new_orders,
        coalesce(t.returning_orders, 0) as returning_orders,
        coalesce(t.guest_orders, 0) as guest_orders,
        coalesce(t.revenue, 0) as revenue,
        coalesce(t.new_revenue, 0) as new_revenue,
        coalesce(t.returning_revenue, 0) as returning_revenue,
        coalesce(t.guest_revenue, 0) as guest_revenue,
        t.returning_orders / nullif(t.orders, 0) as returning_order_share,
        t.returning_revenue / nullif(t.revenue, 0) as returning_revenue_share,
        $current_partial and p.period_start = $current_start as returning_partial
    from buyer_periods as p
    left join totals as t using (period_start)
),

both_series as (
    select *
    from (select * rename (is_partial as crr_partial) from final) as c
    full outer join returning_share as r using (period_start)
),

between_orders as (
    select order_day - previous_day as days, count(*) as gaps
    from order_days
    where previous_day is not null and ($f_start is null or ordered_at >= $f_start)
    group by 1
),

second_orders as (
    select order_day - first_day as days, count(*) as customers
    from order_days
    where order_number = 2 and ($f_start is null or first_day >= $f_start)
    group by 1
),

gaps as (
    select
        cast(days as integer) as days,
        cast(coalesce(b.gaps, 0) as bigint) as between_orders,
        cast(coalesce(s.customers, 0) as bigint) as first_to_second
    from between_orders as b
    full outer join second_orders as s using (days)
)

select * from both_series
union all by name
select * from gaps
order by period_start, days
