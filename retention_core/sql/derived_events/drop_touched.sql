-- The temp objects of derived_events/touched.sql.
drop view if exists temp.funnel_build_events;
drop table if exists temp.touched_days;
drop table if exists temp.touched_sessions;
drop table if exists temp.affected_days;
drop table if exists temp.affected_sessions;
drop table if exists temp.affected_customers;
