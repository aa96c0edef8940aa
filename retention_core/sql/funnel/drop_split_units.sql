drop table if exists temp.funnel_split_units
