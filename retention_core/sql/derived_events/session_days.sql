-- Whole sessions counted per day, device, source, level and time-to-purchase bucket
-- with their abandoned carts (funnel/unit_groups.sql over funnel_whole_units and every
-- purchase event, default recovery window): what the funnel page adds up for any filter.
-- The placeholder below is that file, filled in by the builder. The rows of table
-- funnel_session_days.
with groups as (
__groups__
)

select * from groups
order by day
