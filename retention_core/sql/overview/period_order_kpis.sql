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

-- {period_kpi_steps}

select * from period_kpis
order by period_start
