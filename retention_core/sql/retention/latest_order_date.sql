-- "As of" defaults to the latest date in the data: the day of the latest kept order
-- (no filter; metrics.common.on_order_bounds reads it from the stored bounds, else
-- order_facts answers it when present).
with final as (
    select cast(max(ordered_at) as date) as latest_date
    from scoped_orders(null, null, null, null, null)
)

select * from final
