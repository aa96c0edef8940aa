-- CTE of retention/cohort_table.sql without a split: every customer is in one segment.
first_segments as (
    select customer_id, cast(null as varchar) as segment_value
    from history
    where false
),
