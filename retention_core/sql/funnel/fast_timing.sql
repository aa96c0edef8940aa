-- funnel/time_to_purchase_summary.sql over the units the filters select, from the
-- derived tables: converted whole sessions (funnel_purchase_times) and the converted
-- split ones (temp table funnel_split_units).
with converted as (
    select seconds
    from funnel_purchase_times
    where ($f_start is null or day >= $f_start)
      and ($f_end is null or day < $f_end)
      and ($f_channels is null or list_contains($f_channels, source))
      and ($f_devices is null or list_contains($f_devices, device))
    union all
    select seconds_to_purchase as seconds
    from funnel_split_units
    where purchased
),

final as (
    select
        count(*) as units,
        avg(seconds) as mean_seconds,
        quantile_cont(seconds, 0.25) as p25_seconds,
        quantile_cont(seconds, 0.5) as median_seconds,
        quantile_cont(seconds, 0.75) as p75_seconds,
        quantile_cont(seconds, 0.9) as p90_seconds
    from converted
)

select * from final
