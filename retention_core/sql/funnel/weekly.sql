-- Units, carts (units reaching the cart step) and purchases (units reaching purchase;
-- with a cart step every one of them reached it) per ISO week (Monday) of each unit's
-- first funnel event.
with final as (
    select
        week,
        count(*) as units,
        count(*) filter (where reached_cart) as carts,
        count(*) filter (where purchased) as purchases
    from funnel_units
    group by week
)

select * from final
