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

-- Answers with a comment, narrowed by survey, answer groups and a case-insensitive
-- text search (a plain substring, not a pattern). NULL parameters mean "all".
commented_answers as (
    select
        response_id,
        responded_at,
        survey,
        score,
        answer_group,
        trim(comment) as comment,
        customer_id,
        channel,
        touchpoint,
        product,
        country,
        device
    from valid_answers
    where nullif(trim(comment), '') is not null
),

final as (
    select *
    from commented_answers
    where (cast($survey as varchar) is null or survey = $survey)
      and (cast($groups as varchar[]) is null or list_contains($groups, answer_group))
      and (cast($search as varchar) is null
           or strpos(lower(comment), lower(cast($search as varchar))) > 0)
)

select * from final
order by responded_at desc nulls last, response_id
