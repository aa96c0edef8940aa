-- Brings order_facts and customer_keys (derived_orders/build.sql) up to date after a change
-- to `orders` (an import or a deleted import) without rebuilding them from every order
-- (retention_core/derived/orders.py, `update`). Parameters: $last_key, the largest key in
-- use; $guests, whether a changed order is a guest's (no customer_id).
--
-- The customers with a changed order (touched_customers) lose their rows and keys and get
-- them again from `orders`, with new keys above every key in use, appended in key, time
-- and order_id order: so the keyed rows still run by ascending key, each customer's orders
-- together in (ordered_at, order_id) order, which is what the build's sort gives readers
-- (the row number ranks a customer's orders; the NumPy scans need keys in order). Guest
-- rows (NULL key) are all replaced when one changes; readers never need them in order.

delete from order_facts
where customer_key in (
    select k.customer_key
    from customer_keys as k
    inner join touched_customers as t using (customer_id)
)
or ($guests and customer_key is null);

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
left join touched_keys as k using (customer_id)
where not coalesce(o.is_excluded, false)
  and (k.customer_key is not null or ($guests and o.customer_id is null))
order by k.customer_key, o.ordered_at, o.order_id;
