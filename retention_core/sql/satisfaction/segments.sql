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

-- A missing or blank segment value is its own group, so the groups add up to the total.
labelled_answers as (
    select
        answer_group,
        coalesce(nullif(trim(channel), ''), '(not set)') as channel,
        coalesce(nullif(trim(touchpoint), ''), '(not set)') as touchpoint,
        coalesce(nullif(trim(product), ''), '(not set)') as product,
        coalesce(nullif(trim(country), ''), '(not set)') as country,
        coalesce(nullif(trim(device), ''), '(not set)') as device
    from valid_answers
    where survey = $survey
),

long_answers as (
    unpivot labelled_answers
    on channel, touchpoint, product, country, device
    into name segment value segment_value
),

-- A segment column counts as present when at least one answer has a value in it.
present_segments as (
    select segment
    from long_answers
    group by segment
    having count(*) filter (where segment_value <> '(not set)') > 0
),

final as (
    select
        segment,
        segment_value,
        count(*) as answers,
        count(*) filter (where answer_group in ('promoter', 'satisfied')) as positive,
        count(*) filter (where answer_group in ('detractor', 'unsatisfied')) as negative
    from long_answers
    where segment in (select segment from present_segments)
    group by segment, segment_value
)

select * from final
order by segment, segment_value
