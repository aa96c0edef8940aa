-- Historic CLV (SPEC.md): every customer's total revenue over the kept orders in scope.
with customer_orders as (
    select
        customer_id,
        ordered_at,
        revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

final as (
    select
        customer_id,
        cast(min(ordered_at) as date) as first_order,
        cast(max(ordered_at) as date) as last_order,
        count(*) as orders,
        sum(revenue) as revenue
    from customer_orders
    group by customer_id
)

select * from final
order by revenue desc, customer_id
