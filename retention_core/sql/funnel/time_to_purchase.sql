-- Converted units per bucket of time to purchase. $edges: ascending lower bounds of the
-- buckets in seconds, starting at 0; bucket i (1-based) holds edges[i] <= s < edges[i+1].
with converted as (
    select seconds_to_purchase as seconds
    from funnel_units
    where purchased
),

bucketed as (
    select len(list_filter($edges, lambda edge: edge <= seconds)) as bucket
    from converted
),

final as (
    select
        bucket,
        count(*) as units
    from bucketed
    group by bucket
)

select * from final
