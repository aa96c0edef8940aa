-- The Repeat buying tab's two series from one window pass over the orders: the customer
-- retention rate per period (crr_steps.sql; definition in customer_retention_rate.sql)
-- and the orders and revenue per period from new customers, returning customers (first
-- order in an earlier period, SPEC.md "Returning-customer share") and guests (no
-- customer_id). Shares are over all orders of the period, guests included; the date range
-- selects the orders counted, a customer's history before it still decides "returning".
-- One row per period of either series (each side's columns NULL outside its own periods).
with
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
)

select * from both_series
order by period_start
