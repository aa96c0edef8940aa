-- Kept orders of the previous and the current period, counted by period and segment:
-- the units behind revenue, orders and AOV in "what changed" (sums add up, so explaining
-- a change on these groups equals explaining it order by order). Only the two periods'
-- days are read: $records_start is the previous period's start, $records_end the end of
-- the current one (the date range narrows them further).
with orders_in_scope as (
    select
        revenue,
        channel,
        country,
        device,
        cast(date_trunc($period, ordered_at) as date) as period_start
    from scoped_orders(greatest($f_start, $records_start), least($f_end, $records_end),
        $f_channels, $f_countries, $f_devices)
),

final as (
    select
        period_start = $current_start as is_current,
        channel,
        country,
        device,
        sum(revenue) as revenue,
        cast(count(*) as double) as order_count
    from orders_in_scope
    where period_start in ($previous_start, $current_start)
    group by is_current, channel, country, device
)

select * from final
