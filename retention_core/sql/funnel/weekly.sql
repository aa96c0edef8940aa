-- Units, carts and purchases per ISO week (Monday) of each unit's first funnel event.
with final as (
    select
        week,
        count(*) as units,
        count(*) filter (where reached_cart) as carts,
        count(*) filter (where reached_cart and purchased) as purchases
    from funnel_units
    group by week
)

select * from final
