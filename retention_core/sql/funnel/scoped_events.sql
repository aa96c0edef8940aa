-- The events the global filters select (the funnel's input, placed into funnel/units.sql).
select * from scoped_events($f_start, $f_end, $f_channels, $f_countries, $f_devices)
