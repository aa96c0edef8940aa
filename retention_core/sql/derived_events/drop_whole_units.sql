drop table if exists temp.funnel_whole_units;
drop table if exists temp.funnel_session_kinds;
drop view if exists temp.funnel_build_events
