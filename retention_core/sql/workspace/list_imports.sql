-- The imports of a workspace, newest first: what each wrote, the rows it still owns, and the
-- headline numbers of its validation report (Data page, Workspace.list_imports).
with listed as (
    select
        import_id,
        kind,
        file_name,
        imported_at,
        preset,
        rows_imported,
        rows_new,
        rows_updated,
        file_hash,
        details
    from imports
),

owned as (
    select 'orders' as kind, import_id, count(*) as rows_owned from orders group by all
    union all
    select 'surveys', import_id, count(*) from surveys group by all
    union all
    select 'events', import_id, count(*) from events group by all
),

final as (
    select
        listed.import_id,
        listed.kind,
        listed.file_name,
        listed.imported_at,
        listed.preset,
        listed.rows_imported,
        listed.rows_new,
        listed.rows_updated,
        coalesce(owned.rows_owned, 0) as rows_owned,
        listed.file_hash,
        try_cast(json_extract_string(listed.details, '$.rows_read') as bigint) as rows_read,
        try_cast(json_extract_string(listed.details, '$.kept') as bigint) as kept,
        try_cast(json_extract_string(listed.details, '$.excluded') as bigint) as excluded,
        try_cast(json_extract_string(listed.details, '$.rejected') as bigint) as rejected
    from listed
    left join owned using (kind, import_id)
)

select * from final
order by import_id desc
