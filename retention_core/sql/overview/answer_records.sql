-- Survey answers of the previous and the current period grouped by their segments, with
-- the counts NPS and CSAT are made of (scored_answers: the satisfaction page's own
-- definition; NPS points = promoters - detractors, CSAT points = answers of 4-5).
with answers_in_periods as (
    select
        answer_group,
        channel,
        country,
        device,
        touchpoint,
        cast(date_trunc($period, responded_at) as date) as period_start
    from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where survey = $survey
      and responded_at is not null
),

final as (
    select
        period_start = $current_start as is_current,
        channel,
        country,
        device,
        touchpoint,
        cast(count(*) as double) as answers,
        cast(100 * (
            count(*) filter (where answer_group in ('promoter', 'satisfied'))
            - count(*) filter (where answer_group = 'detractor')
        ) as double) as points
    from answers_in_periods
    where period_start in ($previous_start, $current_start)
    group by all
)

select * from final
