-- Order KPIs per period (week / month / quarter) for the Overview tiles and sparklines.
-- Guest orders count for revenue, orders and AOV; customer metrics use customer_id only.
with orders_in_scope as (
    select
        customer_id,
        revenue,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

-- Each customer's orders in time order, with the periods of the orders before and after
-- (one window pass, no per-customer-period aggregate and join: 5M orders by week, 450 ->
-- 240 ms). The first of a customer's orders in a period (previous period different) stands
-- for the customer in that period: new when there is no earlier order, returning
-- otherwise; "2+ orders up to the period's end" is an earlier order, or a next order in
-- the same period. Ties within a period may come in any order: exactly one of them is
-- first, and the next row after it is in the same period iff there are two or more.
customer_orders as (
    select
        period_start,
        lag(period_start) over by_customer as previous_period,
        lead(period_start) over by_customer as next_period
    from orders_in_scope
    where customer_id is not null
    window by_customer as (partition by customer_id order by period_start)
),

customer_counts as (
    select
        period_start,
        count(*) as customers,
        count(*) filter (where previous_period is null) as new_customers,
        count(*) filter (where previous_period is not null) as returning_customers,
        count(*) filter (
            where previous_period is not null or next_period = period_start
        ) as repeat_customers
    from customer_orders
    where previous_period is distinct from period_start
    group by period_start
),

order_totals as (
    select
        period_start,
        count(*) as orders,
        sum(revenue) as revenue,
        count(customer_id) as customer_orders,
        sum(revenue) filter (where customer_id is not null) as customer_revenue
    from orders_in_scope
    group by period_start
),

cumulative as (
    -- historic CLV at the end of each period: revenue to date per customer to date
    select
        t.period_start,
        sum(t.customer_revenue) over w as customer_revenue_to_date,
        sum(coalesce(c.new_customers, 0)) over w as customers_to_date
    from order_totals as t
    left join customer_counts as c using (period_start)
    window w as (order by t.period_start rows between unbounded preceding and current row)
),

final as (
    select
        t.period_start,
        t.revenue,
        t.orders,
        coalesce(c.customers, 0) as customers,
        coalesce(c.new_customers, 0) as new_customers,
        coalesce(c.returning_customers, 0) as returning_customers,
        t.revenue / t.orders as aov,
        c.repeat_customers / nullif(c.customers, 0) as repeat_purchase_rate,
        cu.customer_revenue_to_date / nullif(cu.customers_to_date, 0) as average_clv
    from order_totals as t
    left join customer_counts as c using (period_start)
    left join cumulative as cu using (period_start)
)

select * from final
order by period_start
