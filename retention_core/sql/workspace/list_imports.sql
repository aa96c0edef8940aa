with owned_rows as (
    select 'orders' as kind, import_id, count(*) as rows_owned from orders group by all
    union all
    select 'surveys', import_id, count(*) from surveys group by all
    union all
    select 'events', import_id, count(*) from events group by all
),

final as (
    select
        i.import_id,
        i.kind,
        i.file_name,
        i.imported_at,
        i.preset,
        i.rows_imported,
        i.rows_new,
        i.rows_updated,
        coalesce(o.rows_owned, 0) as rows_owned,
        i.file_hash
    from imports as i
    left join owned_rows as o using (kind, import_id)
)

select * from final
order by import_id desc
