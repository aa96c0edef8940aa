-- The steps of the Overview's order KPIs per period, ending with `period_kpis` (a part: see
-- period_order_kpis.sql for the definitions). Reads `orders_in_scope` (customer_id,
-- revenue, period_start: every order in scope, guests included) and `customer_orders`
-- (period_start, previous_period, next_period: each customer order with the periods of
-- the customer's previous and next orders).
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

period_kpis as (
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
