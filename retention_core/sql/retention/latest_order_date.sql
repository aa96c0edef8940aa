-- "As of" defaults to the latest date in the data: the day of the latest kept order.
with final as (
    select cast(max(ordered_at) as date) as latest_date
    from kept_orders
)

select * from final
