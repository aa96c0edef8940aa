-- The purchase events of every customer that has a split session: where recoveries of
-- split sessions' carts are looked up at query time (filters aside, as always). The rows
-- of table funnel_split_purchases.
select
    customer_id,
    event_at
from events
where stage = 'purchase'
  and customer_id in (
      select customer_id from funnel_split_events where customer_id is not null
  )
