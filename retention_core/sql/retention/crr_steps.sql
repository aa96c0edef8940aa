-- The steps of the customer retention rate per period (customer_retention_rate.sql has the
-- definition) after `order_days` (the part crr_order_days.sql), ending with `final`. A
-- part: customer_retention_rate.sql selects `final`, repeat_buying.sql adds the
-- returning-customer share computed on the same pass.
deltas as (
    -- An order on day d makes its customer active at the midnights t with d < t <= d +
    -- window. Cutting each order's stretch at the customer's next order day (which starts
    -- its own) gives disjoint stretches whose union is exactly when the customer is
    -- active: +1 from d + 1, -1 after min(d + window, next order day).
    select order_day + 1 as day, count(*) as delta
    from order_days
    group by 1
    union all
    select least(order_day + $activity_days, coalesce(next_day, order_day + $activity_days))
        + 1 as day,
        -count(*) as delta
    from order_days
    group by 1
),

first_days as (
    select customer_id, order_day as first_day
    from order_days
    where previous_day is null
),

bounds as (
    -- from the first customer's period, or the range start's if later; none without customers
    select
        cast(date_trunc($period, greatest(min(first_day), coalesce(cast($f_start as date),
            min(first_day)))) as date) as first_start
    from first_days
    having count(*) > 0
),

periods as (
    select cast(unnest(generate_series(
        cast(b.first_start as timestamp), cast($current_start as timestamp),
        case $period when 'week' then interval 7 day when 'month' then interval 1 month
            else interval 3 month end
    )) as date) as period_start
    from bounds as b
    where b.first_start is not null
),

period_ends as (
    select
        period_start,
        least(cast(case $period
            when 'week' then period_start + 7
            when 'month' then period_start + to_months(1)
            else period_start + to_months(3)
        end as date), $as_of_day + 1) as period_end
    from periods
),

active_start as (
    select p.period_start, coalesce(sum(d.delta), 0) as customers_start
    from period_ends as p
    left join deltas as d on d.day <= p.period_start
    group by p.period_start
),

active_end as (
    select p.period_start, coalesce(sum(d.delta), 0) as customers_end
    from period_ends as p
    left join deltas as d on d.day <= p.period_end
    group by p.period_start
),

new_by_period as (
    select cast(date_trunc($period, first_day) as date) as period_start, count(*) as acquired
    from first_days
    group by 1
),

new_customers as (
    select p.period_start, coalesce(n.acquired, 0) as new_customers
    from period_ends as p
    left join new_by_period as n using (period_start)
),

final as (
    select
        p.period_start,
        cast(s.customers_start as bigint) as customers_start,
        cast(e.customers_end as bigint) as customers_end,
        cast(n.new_customers as bigint) as new_customers,
        (e.customers_end - n.new_customers) / nullif(s.customers_start, 0) as crr,
        $current_partial and p.period_start = $current_start as is_partial
    from period_ends as p
    inner join active_start as s using (period_start)
    inner join active_end as e using (period_start)
    inner join new_customers as n using (period_start)
)
