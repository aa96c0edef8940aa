-- One row per customer in scope: what the RFM scores (rfm_scores.sql) and the CLV models
-- (rfm_summary.sql, calibration end = the last order day in scope) read, in one pass over
-- the orders. Unordered. On a workspace with order_facts, retention_core.metrics.rfm
-- computes the same rows on integer keys (metrics.purchase_days.customer_rfm) instead.
-- A purchase day is a (customer, calendar day) with at least one kept order.
with purchase_days as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_day,
        count(*) as orders,
        sum(revenue) as revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id, cast(ordered_at as date)
),

numbered_days as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_day) as day_number
    from purchase_days
),

final as (
    select
        customer_id,
        min(purchase_day) as first_order,
        max(purchase_day) as last_order,
        cast(sum(orders) as bigint) as orders,
        sum(revenue) as revenue,
        count(*) - 1 as frequency,
        -- mean revenue of the repeat purchase days; 0 for customers without any
        cast(coalesce(avg(revenue) filter (where day_number > 1), 0) as double)
            as monetary_value
    from numbered_days
    group by customer_id
)

select * from final
