-- Units per group and deepest step reached (level 0 = no step-1 event in its funnel
-- events). $group_by: 'all', 'device' or 'source'; a unit's device and source are those
-- of its first funnel event, '(unknown)' when blank.
with grouped as (
    select
        case $group_by
            when 'device' then coalesce(device, '(unknown)')
            when 'source' then coalesce(source, '(unknown)')
            else 'all'
        end as group_value,
        level
    from funnel_units
),

final as (
    select
        group_value,
        level,
        count(*) as units
    from grouped
    group by group_value, level
)

select * from final
