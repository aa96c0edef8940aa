-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
with valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

-- Counts per survey and period ($period: week = ISO week from Monday, month, quarter).
-- Answers without a date have no period and are left out here.
dated_answers as (
    select
        survey,
        cast(date_trunc($period, responded_at) as date) as period_start,
        answer_group
    from valid_answers
    where responded_at is not null
),

final as (
    select
        survey,
        period_start,
        count(*) as answers,
        count(*) filter (where answer_group in ('promoter', 'satisfied')) as positive,
        count(*) filter (where answer_group in ('detractor', 'unsatisfied')) as negative
    from dated_answers
    group by survey, period_start
)

select * from final
order by survey desc, period_start
