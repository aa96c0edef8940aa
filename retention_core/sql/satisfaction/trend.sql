-- Answers in scope that count: a score on the survey's scale (NPS 0-10, CSAT 1-5). A NULL
-- or out-of-scale score is not an answer. answer_group: promoter 9-10 / passive 7-8 /
-- detractor 0-6 for NPS; satisfied 4-5 / unsatisfied 1-3 for CSAT.
with scoped_answers as (
    select
        response_id,
        customer_id,
        responded_at,
        lower(trim(survey)) as survey,
        score,
        channel,
        touchpoint,
        product,
        country,
        device,
        comment
    from scoped_surveys($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

valid_answers as (
    select
        *,
        case
            when survey = 'nps' and score >= 9 then 'promoter'
            when survey = 'nps' and score >= 7 then 'passive'
            when survey = 'nps' then 'detractor'
            when score >= 4 then 'satisfied'
            else 'unsatisfied'
        end as answer_group
    from scoped_answers
    where (survey = 'nps' and score between 0 and 10)
       or (survey = 'csat' and score between 1 and 5)
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
