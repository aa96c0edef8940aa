-- The segment_values CTE of retention/segment_customers.sql: each order's rank and value
-- of $dimension, '(unknown)' when missing (before arg_min, which would skip NULLs).
-- order_facts holds only channel, country and device (there order_id is the row number,
-- ranking a customer's orders as order_id does); on orders the other dimensions are
-- added at the marker (retention/segment_order_dimensions.sql).
segment_values as (
    select
        customer_id,
        -- an order's rank among its customer's orders, for the first order
        -- (retention_core.metrics.common.order_rank)
        -- {order_rank}
        coalesce(
            case $dimension
                when 'channel' then nullif(trim(channel), '')
                when 'country' then nullif(trim(country), '')
                when 'device' then nullif(trim(device), '')
                -- {order_dimensions}
            end, '(unknown)') as segment_value
    from history
),

