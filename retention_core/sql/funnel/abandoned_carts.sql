-- Abandoned carts (units reaching the cart step but not purchase), their value, and
-- those recovered: the same customer has a purchase event after the unit's last cart
-- event, within $recovery_us microseconds. The recovering purchase is looked up in all
-- events, not only those the filters select: a cart left on mobile is often bought on
-- desktop, or after the end of the date range.
with abandoned as (
    select
        unit_id,
        customer_id,
        last_cart_at,
        cart_value
    from funnel_units
    where reached_cart and not purchased
),

customer_purchases as (
    select
        customer_id,
        event_at
    from events
    where stage = 'purchase'
      and customer_id is not null
),

recovered as (
    select distinct a.unit_id
    from abandoned as a
    inner join customer_purchases as p
        on p.customer_id = a.customer_id
        and p.event_at > a.last_cart_at
        and p.event_at <= a.last_cart_at + to_microseconds($recovery_us)
),

final as (
    select
        count(*) as abandoned_carts,
        count(a.cart_value) as carts_with_value,
        coalesce(sum(a.cart_value), 0) as abandoned_value,
        count(r.unit_id) as recovered_carts,
        coalesce(sum(a.cart_value) filter (where r.unit_id is not null), 0) as recovered_value
    from abandoned as a
    left join recovered as r using (unit_id)
)

select * from final
