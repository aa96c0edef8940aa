-- Orders and revenue per period from new customers, returning customers (first order in
-- an earlier period, SPEC.md "Returning-customer share") and guests (no customer_id).
-- Shares are over all orders of the period, guests included.
with history as (
    select customer_id, ordered_at, revenue
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
),

first_periods as (
    select customer_id, cast(date_trunc($period, min(ordered_at)) as date) as first_period
    from history
    where customer_id is not null
    group by customer_id
),

orders_in_range as (
    select
        cast(date_trunc($period, h.ordered_at) as date) as period_start,
        h.revenue,
        case
            when h.customer_id is null then 'guest'
            when f.first_period < cast(date_trunc($period, h.ordered_at) as date) then 'returning'
            else 'new'
        end as buyer
    from history as h
    left join first_periods as f using (customer_id)
    where $f_start is null or h.ordered_at >= $f_start
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
    from orders_in_range
    group by period_start
),

periods as (
    select cast(unnest(generate_series(
        cast(min(period_start) as timestamp), cast($current_start as timestamp),
        case $period when 'week' then interval 7 day when 'month' then interval 1 month
            else interval 3 month end
    )) as date) as period_start
    from totals
    having min(period_start) is not null
),

final as (
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
        $current_partial and p.period_start = $current_start as is_partial
    from periods as p
    left join totals as t using (period_start)
)

select * from final
order by period_start
