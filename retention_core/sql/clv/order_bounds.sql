-- First and last order day over the orders in scope that have a customer.
with customer_orders as (
    select cast(ordered_at as date) as order_day
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

final as (
    select
        min(order_day) as first_day,
        max(order_day) as last_day
    from customer_orders
)

select * from final
