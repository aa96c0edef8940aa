-- The customer ids of the integer keys in `rfm_wanted_keys` (a frame the caller registers,
-- retention_core.metrics.rfm): order_facts carries only the key, so a table that shows
-- customers looks up the ids of its rows here (retention_core/derived/orders.py).
with wanted as (
    select distinct customer_key
    from rfm_wanted_keys
),

final as (
    select
        k.customer_key,
        k.customer_id
    from customer_keys as k
    inner join wanted as w using (customer_key)
)

select * from final
