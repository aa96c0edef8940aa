-- Ids derived from row content: md5 of the row's values plus how many identical rows
-- came before it in the same file (so identical rows stay distinct, and the same file
-- or an overlapping export gives the same ids again). Input: keyed_rows(k, f, i).
with numbered as (
    select
        i,
        k,
        row_number() over (partition by f, k order by i) - 1 as n
    from keyed_rows
),

final as (
    select
        i,
        $prefix || substr(md5(k || $sep || cast(n as varchar)), 1, 20) as id
    from numbered
)

select id from final
order by i
