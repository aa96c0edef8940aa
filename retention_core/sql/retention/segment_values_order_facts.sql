-- The segment_values CTE of retention/segment_customers.sql on scoped_order_facts, which
-- holds only the channel, country and device of each order (order_id: the row number,
-- ranking a customer's orders as order_id does). Same values as segment_values.sql.
segment_values as (
    select
        customer_id,
        ordered_at,
        order_id,
        coalesce(
            case $dimension
                when 'channel' then nullif(trim(channel), '')
                when 'country' then nullif(trim(country), '')
                when 'device' then nullif(trim(device), '')
            end, '(unknown)') as segment_value
    from history
),

