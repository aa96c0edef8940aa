-- Distinct values of the filter dimensions over every source, for the sidebar.
with dimension_values as (
    select 'channel' as dimension, channel as value from kept_orders
    union select 'channel', source from events
    union select 'channel', channel from surveys
    union select 'country', country from kept_orders
    union select 'country', country from surveys
    union select 'device', device from kept_orders
    union select 'device', device from events
    union select 'device', device from surveys
),

final as (
    select dimension, value
    from dimension_values
    where value is not null and value <> ''
)

select * from final
order by dimension, value
