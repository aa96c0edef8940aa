-- Survey answers of the previous and the current period grouped by their segments, with
-- the counts NPS and CSAT are made of (definitions as in sql/satisfaction: an answer has
-- a score on its survey's scale; NPS promoters 9-10, detractors 0-6; CSAT positive 4-5).
with answers_in_scope as (
    select
        lower(trim(survey)) as survey,
        score,
        channel,
        country,
        device,
        touchpoint,
        cast(date_trunc($period, responded_at) as date) as period_start
    from scoped_surveys($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where responded_at is not null
),

valid_answers as (
    select *
    from answers_in_scope
    where ((survey = 'nps' and score between 0 and 10) or (survey = 'csat' and score between 1 and 5))
      and survey = $survey
      and period_start in ($previous_start, $current_start)
),

final as (
    select
        period_start = $current_start as is_current,
        channel,
        country,
        device,
        touchpoint,
        cast(count(*) as double) as answers,
        100.0 * case
            when $survey = 'nps' then count(*) filter (where score >= 9) - count(*) filter (where score <= 6)
            else count(*) filter (where score >= 4)
        end as points
    from valid_answers
    group by all
)

select * from final
