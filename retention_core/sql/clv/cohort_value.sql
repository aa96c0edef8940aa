-- Cumulative revenue per customer by cohort age (SPEC.md, "Historic CLV"): the cohort of a
-- customer is the $period (week / month / quarter) of their first kept order; at age k the
-- value is the cohort's revenue in periods 0..k divided by the cohort's size. Every age up
-- to the period holding the latest order is listed, with zero-revenue periods included;
-- that last period is partial.
with customer_orders as (
    select
        customer_id,
        revenue,
        cast(date_trunc($period, ordered_at) as date) as order_period
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

cohorts as (
    select
        customer_id,
        min(order_period) as cohort
    from customer_orders
    group by customer_id
),

cohort_sizes as (
    select
        cohort,
        count(*) as customers
    from cohorts
    group by cohort
),

latest as (
    select max(order_period) as last_period
    from customer_orders
),

revenue_by_period as (
    select
        c.cohort,
        o.order_period,
        sum(o.revenue) as revenue
    from customer_orders as o
    inner join cohorts as c using (customer_id)
    group by c.cohort, o.order_period
),

ages as (
    select
        s.cohort,
        s.customers,
        l.last_period,
        unnest(generate_series(0, case $period
            when 'week' then date_diff('day', s.cohort, l.last_period) // 7
            when 'month' then date_diff('month', s.cohort, l.last_period)
            else date_diff('quarter', s.cohort, l.last_period)
        end)) as age
    from cohort_sizes as s
    cross join latest as l
),

age_periods as (
    select
        *,
        cast(case $period
            when 'week' then cohort + to_days(cast(7 * age as integer))
            when 'month' then cohort + to_months(cast(age as integer))
            else cohort + to_months(cast(3 * age as integer))
        end as date) as period_start
    from ages
),

aged_revenue as (
    select
        a.cohort,
        a.customers,
        a.age,
        a.period_start,
        a.last_period,
        coalesce(r.revenue, 0) as revenue
    from age_periods as a
    left join revenue_by_period as r
        on r.cohort = a.cohort
        and r.order_period = a.period_start
),

final as (
    select
        cohort,
        customers,
        age,
        period_start,
        revenue,
        sum(revenue) over (partition by cohort order by age) / customers
            as cumulative_revenue_per_customer,
        period_start = last_period as is_partial
    from aged_revenue
)

select * from final
order by cohort, age
