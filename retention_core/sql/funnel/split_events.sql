-- The funnel events of split sessions (derived table funnel_split_events) that the global
-- filters select: the same conditions as the scoped_events macro, on the same columns.
select *
from funnel_split_events
where ($f_start is null or event_at >= $f_start)
  and ($f_end is null or event_at < $f_end)
  and ($f_channels is null or list_contains($f_channels, source))
  and ($f_devices is null or list_contains($f_devices, device))
