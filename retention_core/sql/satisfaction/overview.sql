-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
-- scoped_answers also keeps the rows that are not answers, to count them.
with scoped_answers as (
    select * exclude (survey), lower(trim(survey)) as survey
    from scoped_surveys($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

-- Scored answers per survey, and what was left out or cannot be used everywhere.
valid_counts as (
    select
        survey,
        count(*) as answers,
        count(*) filter (where answer_group in ('promoter', 'satisfied')) as positive,
        count(*) filter (where answer_group in ('detractor', 'unsatisfied')) as negative,
        count(responded_at) as dated,
        count(*) filter (where responded_at is null) as undated,
        count(customer_id) as with_customer,
        count(*) filter (where nullif(trim(comment), '') is not null) as with_comment
    from valid_answers
    group by survey
),

ignored_counts as (
    select survey, count(*) as ignored
    from scoped_answers
    where survey in ('nps', 'csat')
      and not coalesce((survey = 'nps' and score between 0 and 10)
                       or (survey = 'csat' and score between 1 and 5), false)
    group by survey
),

final as (
    select
        coalesce(v.survey, i.survey) as survey,
        coalesce(v.answers, 0) as answers,
        coalesce(v.positive, 0) as positive,
        coalesce(v.negative, 0) as negative,
        coalesce(v.dated, 0) as dated,
        coalesce(v.undated, 0) as undated,
        coalesce(v.with_customer, 0) as with_customer,
        coalesce(v.with_comment, 0) as with_comment,
        coalesce(i.ignored, 0) as ignored
    from valid_counts as v
    full join ignored_counts as i on v.survey = i.survey
)

select * from final
order by survey desc
