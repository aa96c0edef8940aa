-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
with valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
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

-- Counted once per combination of the five columns (a few thousand at most), then turned
-- into one row per (segment, value): far fewer rows to unpivot than one per answer.
combinations as (
    select
        channel, touchpoint, product, country, device,
        count(*) as answers,
        count(*) filter (where answer_group in ('promoter', 'satisfied')) as positive,
        count(*) filter (where answer_group in ('detractor', 'unsatisfied')) as negative
    from labelled_answers
    group by all
),

long_counts as (
    unpivot combinations
    on channel, touchpoint, product, country, device
    into name segment value segment_value
),

-- A segment column counts as present when at least one answer has a value in it.
present_segments as (
    select segment
    from long_counts
    group by segment
    having sum(answers) filter (where segment_value <> '(not set)') > 0
),

final as (
    select
        segment,
        segment_value,
        cast(sum(answers) as bigint) as answers,
        cast(sum(positive) as bigint) as positive,
        cast(sum(negative) as bigint) as negative
    from long_counts
    where segment in (select segment from present_segments)
    group by segment, segment_value
)

select * from final
order by segment, segment_value
