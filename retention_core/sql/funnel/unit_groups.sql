-- Funnel units counted by the day of their first funnel event, device, source, level and
-- time-to-purchase bucket, with their abandoned carts' values and recoveries: every
-- number of the funnel page except the time-to-purchase quantiles adds up over these
-- groups. Placeholders (file text only): the per-unit rows (funnel/units.sql) and the
-- purchase events to look recoveries up in. $edges and the recovery rule are those of
-- funnel/time_to_purchase.sql and funnel/abandoned_carts.sql.
with funnel_units as (
__units__
),

customer_purchases as (
__purchases__
),

abandoned as (
    select
        unit_id,
        customer_id,
        last_cart_at
    from funnel_units
    where reached_cart and not purchased
),

recovered as (
    select distinct a.unit_id
    from abandoned as a
    inner join customer_purchases as p
        on p.customer_id = a.customer_id
        and p.event_at > a.last_cart_at
        and p.event_at <= a.last_cart_at + to_microseconds($recovery_us)
),

flagged as (
    select
        cast(u.first_event_at as date) as day,
        u.device,
        u.source,
        u.level,
        case
            when u.purchased
                then len(list_filter($edges, lambda edge: edge <= u.seconds_to_purchase))
        end as bucket,
        u.reached_cart and not u.purchased as is_abandoned,
        r.unit_id is not null as is_recovered,
        u.cart_value
    from funnel_units as u
    left join recovered as r using (unit_id)
),

final as (
    select
        day,
        device,
        source,
        level,
        bucket,
        count(*) as units,
        count(*) filter (where is_abandoned) as abandoned_carts,
        count(cart_value) filter (where is_abandoned) as carts_with_value,
        sum(cart_value) filter (where is_abandoned) as abandoned_value,
        count(*) filter (where is_recovered) as recovered_carts,
        sum(cart_value) filter (where is_recovered) as recovered_value
    from flagged
    group by day, device, source, level, bucket
)

select * from final
