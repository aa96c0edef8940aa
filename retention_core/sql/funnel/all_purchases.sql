-- Every purchase event with a customer, filters aside: where funnel/unit_groups.sql looks
-- up whether an abandoned cart was recovered (as funnel/abandoned_carts.sql does).
select
    customer_id,
    event_at
from events
where stage = 'purchase'
  and customer_id is not null
