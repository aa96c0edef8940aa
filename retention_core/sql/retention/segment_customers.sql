-- The customers CTE of retention/cohort_table.sql when they are split by an attribute of
-- their first order ($dimension): the segment comes from the first order, same-time ties
-- going to the lowest order_id; the $top largest segments keep their name, the rest are
-- pooled as '(other)'. Reads the canonical columns of scoped_orders (order_id, product...).
first_segments as (
    select
        customer_id,
        arg_min(coalesce(
            case $dimension
                when 'channel' then nullif(trim(channel), '')
                when 'country' then nullif(trim(country), '')
                when 'device' then nullif(trim(device), '')
                when 'product' then nullif(trim(product), '')
                when 'category' then nullif(trim(category), '')
                when 'discount_code' then
                    case when nullif(trim(discount_code), '') is null then 'no code'
                        else 'with code' end
                when 'delivered_late' then
                    case delivered_late when true then 'late' when false then 'on time' end
                when 'returned' then
                    case returned when true then 'returned' when false then 'not returned' end
            end, '(unknown)'),  -- before arg_min, which would skip NULLs
            (ordered_at, order_id)
        ) as segment_value
    from history
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

