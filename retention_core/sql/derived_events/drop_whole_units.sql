drop table if exists temp.funnel_whole_units
