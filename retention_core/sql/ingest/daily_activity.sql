-- Rows per calendar day of each table, with days that have none filled in as 0 between a
-- series' first and last day, so gaps in the data show as drops to zero.
with kept_order_days as (
    select cast(ordered_at as date) as day, 'orders' as series, count(*) as n
    from kept_orders
    group by all
),

excluded_order_days as (
    select cast(ordered_at as date) as day, 'excluded orders' as series, count(*) as n
    from orders
    where coalesce(is_excluded, false)
    group by all
),

answer_days as (
    select cast(responded_at as date) as day, 'answers' as series, count(*) as n
    from surveys
    where responded_at is not null
    group by all
),

event_days as (
    select cast(event_at as date) as day, 'events' as series, count(*) as n
    from events
    group by all
),

counted as (
    select * from kept_order_days
    union all
    select * from excluded_order_days
    union all
    select * from answer_days
    union all
    select * from event_days
),

bounds as (
    select series, min(day) as first_day, max(day) as last_day
    from counted
    group by all
),

calendar as (
    select
        series,
        cast(unnest(range(cast(first_day as timestamp),
                          cast(last_day as timestamp) + interval 1 day,
                          interval 1 day)) as date) as day
    from bounds
),

final as (
    select
        calendar.day,
        calendar.series,
        coalesce(counted.n, 0) as rows
    from calendar
    left join counted using (series, day)
)

select * from final
order by series, day
