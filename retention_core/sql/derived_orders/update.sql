-- Brings order_facts and customer_keys (derived_orders/build.sql) up to date after a change
-- to `orders` (an import or a deleted import) without rebuilding them from every order
-- (retention_core/derived/orders.py, `update`). Parameter: $last_key, the largest key in use.
--
-- The customers with a changed order (touched_customers) lose their rows and keys and get
-- them again from `orders`, with new keys above every key in use, appended in key, time
-- and order_id order: so the keyed rows still run by ascending key, each customer's orders
-- together in (ordered_at, order_id) order, which is what the build's sort gives readers
-- (the row number ranks a customer's orders; the NumPy scans need keys in order).
--
-- Guest orders (no customer: NULL key) need no order among themselves, and readers only
-- count and add them up, so their rows are changed one by one: for each kept guest order
-- as stored before the change (touched_rows, `written` false) one row with its values goes,
-- and each kept guest order as written (`written` true) is appended.

delete from order_facts
where customer_key in (
    select k.customer_key
    from customer_keys as k
    inner join touched_customers as t using (customer_id)
);

delete from order_facts
where rowid in (
    with gone as (
        -- kept guest orders as stored before the change, counted per set of values
        select ordered_at, revenue, channel, country, device, count(*) as copies
        from touched_rows
        where not written
          and customer_id is null
          and not coalesce(is_excluded, false)
        group by all
    ),

    matches as (
        select
            f.rowid as row_id,
            g.copies,
            row_number() over (
                partition by f.ordered_at, f.revenue, f.channel, f.country, f.device
            ) as copy
        from order_facts as f
        inner join gone as g
            on f.ordered_at = g.ordered_at
            and f.revenue is not distinct from g.revenue
            and f.channel is not distinct from g.channel
            and f.country is not distinct from g.country
            and f.device is not distinct from g.device
        where f.customer_key is null
    )

    select row_id from matches where copy <= copies
);

insert into order_facts
select null, ordered_at, revenue, channel, country, device
from touched_rows
where written
  and customer_id is null
  and not coalesce(is_excluded, false);

delete from customer_keys
where customer_id in (select customer_id from touched_customers);

insert into customer_keys
select customer_id, cast($last_key + row_number() over () as integer) as customer_key
from (
    select distinct customer_id
    from orders
    where customer_id in (select customer_id from touched_customers)
      and not coalesce(is_excluded, false)
);

insert into order_facts
with touched_keys as (
    -- the keys just given (a small build side for the join below, not every customer's)
    select customer_id, customer_key
    from customer_keys
    where customer_id in (select customer_id from touched_customers)
)
select k.customer_key, o.ordered_at, o.revenue, o.channel, o.country, o.device
from orders as o
inner join touched_keys as k using (customer_id)
where not coalesce(o.is_excluded, false)
order by k.customer_key, o.ordered_at, o.order_id;
