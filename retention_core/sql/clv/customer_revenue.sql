-- Historic CLV values only (SPEC.md): each customer's total revenue over the kept orders in
-- scope, in no particular order. The distribution, concentration and histogram need the
-- values alone; customer_value.sql is the per-customer table.
with final as (
    select sum(revenue) as revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id
)

select * from final
