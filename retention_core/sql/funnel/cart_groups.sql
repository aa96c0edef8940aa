-- Sessions reaching the cart step and those of them abandoned (never reaching the purchase
-- step), per period of their first funnel event, device and source: the Overview's cart
-- abandonment records. The placeholder below is a query giving funnel/unit_groups.sql rows
-- (the derived tables' funnel/fast_groups.sql, or unit_groups.sql over the live units).
with unit_groups as (
__groups__
),

final as (
    select
        cast(date_trunc($period, day) as date) as period_start,
        device,
        source,
        cast(sum(units) as double) as cart,
        cast(coalesce(sum(units) filter (where level < $purchase_step), 0) as double)
            as abandoned
    from unit_groups
    where level >= $cart_step
    group by all
)

select * from final
order by period_start, device nulls last, source nulls last
