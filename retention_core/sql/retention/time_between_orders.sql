-- Time between orders (SPEC.md): calendar days between a customer's consecutive orders
-- (same-day orders give 0), counted where the later order falls in the date range; and
-- days from first to second order for customers acquired in the range. One row per
-- number of days with how many gaps / second orders took that long.
with history as (
    select customer_id, ordered_at
    from scoped_orders(null, $until, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
),

sequenced as (
    select
        customer_id,
        ordered_at,
        row_number() over w as order_number,
        cast(ordered_at as date) - cast(lag(ordered_at) over w as date) as days,
        min(ordered_at) over (partition by customer_id) as first_at
    from history
    -- same-time orders need no tie-break: they give the same gaps in either order
    window w as (partition by customer_id order by ordered_at)
),

between_orders as (
    select days, count(*) as gaps
    from sequenced
    where days is not null and ($f_start is null or ordered_at >= $f_start)
    group by days
),

second_orders as (
    select days, count(*) as customers
    from sequenced
    where order_number = 2 and ($f_start is null or first_at >= $f_start)
    group by days
),

final as (
    select
        cast(days as integer) as days,
        cast(coalesce(b.gaps, 0) as bigint) as between_orders,
        cast(coalesce(s.customers, 0) as bigint) as first_to_second
    from between_orders as b
    full outer join second_orders as s using (days)
)

select * from final
order by days
