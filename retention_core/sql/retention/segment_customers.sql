-- The customers CTE of retention/cohort_table.sql when they are split by an attribute of
-- their first order ($dimension): the segment comes from the first order, same-time ties
-- going to the lowest order_id; the $top largest segments keep their name, the rest are
-- pooled as '(other)'.
-- segment_values (customer_id, order_rank, segment_value): each order's rank and value
-- of $dimension (retention/segment_values.sql; every dimension on orders, channel,
-- country and device on order_facts: retention_core.metrics.retention._cohort_sql)
-- {segment_values}
first_segments as (
    select customer_id, arg_min(segment_value, order_rank) as segment_value
    from segment_values
    group by customer_id
),

customers_in_scope as (
    select
        f.customer_id,
        f.cohort,
        f.last_start,
        f.orders,
        coalesce(s.segment_value, '(unknown)') as segment_value
    from first_orders as f
    left join first_segments as s using (customer_id)
    where $f_start is null or f.first_at >= $f_start
),

segment_sizes as (
    select segment_value, count(*) as customers
    from customers_in_scope
    group by segment_value
),

segment_labels as (
    -- the $top largest segments keep their name, the rest are pooled as '(other)'
    select
        segment_value,
        case when row_number() over (order by customers desc, segment_value) <= $top
            then segment_value else '(other)' end as segment
    from segment_sizes
),

customers as (
    select c.customer_id, c.cohort, c.last_start, c.orders, l.segment
    from customers_in_scope as c
    inner join segment_labels as l using (segment_value)
),

