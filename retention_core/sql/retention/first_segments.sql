-- CTE of retention/cohort_table.sql when customers are split by an attribute of their
-- first order ($dimension <> 'none'): the segment comes from the first order; same-time
-- ties go to the lowest order_id. Reads the canonical columns of scoped_orders.
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
