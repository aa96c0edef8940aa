-- The purchase events of the customers of split sessions (derived table
-- funnel_split_purchases): all that funnel/unit_groups.sql needs to look up recoveries
-- of those sessions' carts.
select
    customer_id,
    event_at
from funnel_split_purchases
