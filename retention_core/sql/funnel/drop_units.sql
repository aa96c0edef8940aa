drop table if exists temp.funnel_units
