-- Order KPIs per period (week / month / quarter) for the Overview tiles and sparklines.
-- Guest orders count for revenue, orders and AOV; customer metrics use customer_id only.
with orders_in_scope as (
    select
        customer_id,
        revenue,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

-- a customer's orders per period; "2+ orders up to the period's end" is an order in an
-- earlier period or two in this one (hash aggregates: no window over every order)
customer_periods as (
    select
        customer_id,
        period_start,
        count(*) as orders_in_period
    from orders_in_scope
    where customer_id is not null
    group by customer_id, period_start
),

first_periods as (
    select
        customer_id,
        min(period_start) as first_period
    from customer_periods
    group by customer_id
),

customer_counts as (
    select
        c.period_start,
        count(*) as customers,
        count(*) filter (where f.first_period = c.period_start) as new_customers,
        count(*) filter (where f.first_period < c.period_start) as returning_customers,
        count(*) filter (
            where f.first_period < c.period_start or c.orders_in_period >= 2
        ) as repeat_customers
    from customer_periods as c
    inner join first_periods as f using (customer_id)
    group by c.period_start
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

new_customers_per_period as (
    select
        first_period as period_start,
        count(*) as acquired
    from first_periods
    group by first_period
),

cumulative as (
    -- historic CLV at the end of each period: revenue to date per customer to date
    select
        t.period_start,
        sum(t.customer_revenue) over w as customer_revenue_to_date,
        sum(coalesce(n.acquired, 0)) over w as customers_to_date
    from order_totals as t
    left join new_customers_per_period as n using (period_start)
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
