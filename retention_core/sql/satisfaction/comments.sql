-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
with valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
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
