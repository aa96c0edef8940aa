-- The segment_values CTE of retention/segment_customers.sql on scoped_orders: any
-- dimension. A missing value is '(unknown)' (before arg_min, which would skip NULLs).
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
                when 'product' then nullif(trim(product), '')
                when 'category' then nullif(trim(category), '')
                when 'discount_code' then
                    case when nullif(trim(discount_code), '') is null then 'no code'
                        else 'with code' end
                when 'delivered_late' then
                    case delivered_late when true then 'late' when false then 'on time' end
                when 'returned' then
                    case returned when true then 'returned' when false then 'not returned' end
            end, '(unknown)') as segment_value
    from history
),

