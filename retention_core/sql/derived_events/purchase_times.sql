-- Time to purchase of every converted whole session, with what a filter needs: the
-- time-to-purchase quantiles cannot be added up over groups, so they are taken over
-- these rows. The rows of table funnel_purchase_times.
select
    cast(first_event_at as date) as day,
    device,
    source,
    seconds_to_purchase as seconds
from funnel_whole_units
where purchased
order by day
