-- Inputs of the simple CLV (SPEC.md): over the year ending $as_of (days $year_start ..
-- $as_of) the customers who ordered and their revenue; over the year before ($prior_start ..
-- the day before $year_start) the customers who ordered, and how many of them ordered
-- again in the last year (the rest churned: no order for over a year at $as_of).
with customer_days as (
    select
        customer_id,
        cast(ordered_at as date) as order_day,
        revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
      and cast(ordered_at as date) between $prior_start and $as_of
),

customer_flags as (
    select
        customer_id,
        bool_or(order_day >= $year_start) as in_year,
        bool_or(order_day < $year_start) as in_prior_year,
        coalesce(sum(revenue) filter (where order_day >= $year_start), 0) as revenue_year
    from customer_days
    group by customer_id
),

final as (
    select
        count(*) filter (where in_year) as customers_year,
        coalesce(sum(revenue_year), 0) as revenue_year,
        count(*) filter (where in_prior_year) as customers_prior_year,
        count(*) filter (where in_prior_year and in_year) as retained_customers
    from customer_flags
)

select * from final
