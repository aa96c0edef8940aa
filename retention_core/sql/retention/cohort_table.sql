-- Cohort retention table (SPEC.md "Cohort", "Retention, bounded / unbounded"), optionally
-- split by an attribute of each customer's first order (see the customers CTE below).
-- A customer's cohort is the period of their first kept order; the cell (cohort, k) counts
-- the cohort's customers with an order in period cohort + k (bounded) or in that period
-- or any later one (unbounded). Only orders with a customer_id count. Cells run from k = 0
-- to the period containing "as of"; that period's cells are flagged partial.
with history as (
    -- every order up to "as of" that passes the channel / country / device filters; the
    -- date-range start selects customers below, not orders (see retention_scope.py).
    -- Without a split this reads only customer_id and ordered_at, so it also runs on
    -- scoped_order_facts (integer keys; retention_core.metrics.retention.query_cohorts).
    select *
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

customer_periods as (
    -- one row per customer and period with an order
    select
        customer_id,
        cast(date_trunc($period, ordered_at) as date) as active_start,
        min(ordered_at) as first_at,
        count(*) as orders
    from history
    group by all
),

first_orders as (
    select
        customer_id,
        min(first_at) as first_at,
        min(active_start) as cohort,
        max(active_start) as last_start,
        sum(orders) as orders
    from customer_periods
    group by customer_id
),

-- customers (customer_id, cohort, last_start, orders, segment): the customers acquired in
-- the date range (first order on or after its start) with their segment;
-- retention/segment_customers.sql when splitting, retention/all_customers.sql otherwise
-- (retention_core.metrics.retention.query_cohorts)
-- {customers}
active_counts as (
    select
        c.segment,
        c.cohort,
        case $period
            when 'week' then date_diff('day', c.cohort, p.active_start) // 7
            when 'month' then date_diff('month', c.cohort, p.active_start)
            else date_diff('month', c.cohort, p.active_start) // 3
        end as period_index,
        count(*) as active
    from customer_periods as p
    inner join customers as c using (customer_id)
    group by all
),

last_active_counts as (
    select
        segment,
        cohort,
        case $period
            when 'week' then date_diff('day', cohort, last_start) // 7
            when 'month' then date_diff('month', cohort, last_start)
            else date_diff('month', cohort, last_start) // 3
        end as period_index,
        count(*) as leaving
    from customers
    group by all
),

cohort_sizes as (
    select
        segment,
        cohort,
        count(*) as cohort_size,
        count(*) filter (where orders >= 2) as repeat_customers,
        case $period
            when 'week' then date_diff('day', cohort, $current_start) // 7
            when 'month' then date_diff('month', cohort, $current_start)
            else date_diff('month', cohort, $current_start) // 3
        end as last_index
    from customers
    group by segment, cohort
),

cells as (
    select segment, cohort, cohort_size, repeat_customers,
        unnest(generate_series(0, last_index)) as period_index
    from cohort_sizes
),

counted as (
    select
        c.*,
        coalesce(a.active, 0) as retained_bounded,
        -- customers whose last active period is k or later (sum of the tail)
        sum(coalesce(l.leaving, 0)) over (
            partition by c.segment, c.cohort
            order by c.period_index desc
            rows between unbounded preceding and current row
        ) as retained_unbounded
    from cells as c
    left join active_counts as a using (segment, cohort, period_index)
    left join last_active_counts as l using (segment, cohort, period_index)
),

dated as (
    select
        *,
        cast(case $period
            when 'week' then cohort + 7 * cast(period_index as integer)
            when 'month' then cohort + to_months(cast(period_index as integer))
            else cohort + to_months(3 * cast(period_index as integer))
        end as date) as period_start,
        case when $unbounded then retained_unbounded else retained_bounded end as retained
    from counted
),

final as (
    select
        segment,
        cohort,
        cohort_size,
        repeat_customers,
        cast(period_index as integer) as period_index,
        period_start,
        cast(retained as bigint) as retained,
        retained / cohort_size as rate,
        $current_partial and period_start = $current_start as is_partial
    from dated
)

select * from final
order by segment, cohort, period_index
