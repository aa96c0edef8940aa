-- One row per kept order of the previous and the current period, with its segments:
-- the units behind revenue, orders and AOV in "what changed".
with orders_in_scope as (
    select
        order_id,
        revenue,
        channel,
        country,
        device,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

final as (
    select
        period_start = $current_start as is_current,
        channel,
        country,
        device,
        revenue,
        cast(1 as double) as order_count
    from orders_in_scope
    where period_start in ($previous_start, $current_start)
)

select * from final
