-- The Overview's order series from one window pass over the customers' orders, when the
-- date range has no start (then the customer retention rate's history and the order KPIs'
-- orders are the same orders: every order up to "as of"):
-- * the customer retention rate per period (customer_retention_rate.sql has the
--   definition; its steps are crr_steps.sql);
-- * the order KPIs per period (period_order_kpis.sql has the definitions; its steps are
--   period_kpi_steps.sql), whose previous and next orders of a customer are those of the
--   retention rate's pass (in day order, a refinement of the period order the KPIs need).
-- Rows: one per period of either series, each side's columns NULL on the other's rows
-- (both have new_customers: a retention rate row has customers_start, a KPI row orders).
with
-- {crr_order_days}
-- {crr_steps}

, orders_in_scope as (
    select customer_id, revenue, cast(date_trunc($period, order_day) as date) as period_start
    from order_days
    union all
    -- guest orders: a scan of their own (read once more rather than kept from above)
    select customer_id, revenue, cast(date_trunc($period, ordered_at) as date)
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is null
),

customer_orders as (
    select
        cast(date_trunc($period, order_day) as date) as period_start,
        cast(date_trunc($period, previous_day) as date) as previous_period,
        cast(date_trunc($period, next_day) as date) as next_period
    from order_days
),

-- {period_kpi_steps}

select * from final
union all by name
select * from period_kpis
order by period_start
