-- RFM scores per customer as of $as_of (the latest order day in scope).
-- recency = days since the last order, frequency = kept orders, monetary = revenue.
-- A score is the quintile of the customer's value among all customers, 1 (worst) to 5
-- (best): 1 + floor(5 * share of customers with a strictly worse value). Tied customers
-- share a score, so with many one-order customers they all get F = 1.
with customer_orders as (
    select
        customer_id,
        cast(min(ordered_at) as date) as first_order,
        cast(max(ordered_at) as date) as last_order,
        count(*) as orders,
        sum(revenue) as revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id
),

ranked as (
    select
        *,
        date_diff('day', last_order, cast($as_of as date)) as recency_days,
        count(*) over () as customers,
        rank() over (order by last_order) - 1 as less_recent,
        rank() over (order by orders) - 1 as fewer_orders,
        rank() over (order by revenue) - 1 as less_revenue
    from customer_orders
),

final as (
    select
        customer_id,
        first_order,
        last_order,
        recency_days,
        orders,
        revenue,
        cast(least(5, 1 + floor(5.0 * less_recent / customers)) as integer) as r_score,
        cast(least(5, 1 + floor(5.0 * fewer_orders / customers)) as integer) as f_score,
        cast(least(5, 1 + floor(5.0 * less_revenue / customers)) as integer) as m_score
    from ranked
)

select * from final
order by customer_id
