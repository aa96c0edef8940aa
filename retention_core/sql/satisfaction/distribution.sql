-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
with valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

final as (
    select survey, score, answer_group, count(*) as answers
    from valid_answers
    where survey = $survey
    group by survey, score, answer_group
)

select * from final
order by score
