-- First and last date with any data, over orders, answers and events.
with all_dates as (
    select min(ordered_at) as first_at, max(ordered_at) as last_at from kept_orders
    union all
    select min(responded_at), max(responded_at) from surveys
    union all
    select min(event_at), max(event_at) from events
),

final as (
    select cast(min(first_at) as date) as first_date, cast(max(last_at) as date) as last_date
    from all_dates
)

select * from final
