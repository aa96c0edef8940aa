-- Quartiles, 90th percentile and mean of the time to purchase of converted units.
with converted as (
    select seconds_to_purchase as seconds
    from funnel_units
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
