-- Answers that count, with their answer_group: the scored_answers macro
-- (sql/workspace/schema.sql) holds the definition shared by every satisfaction query.
with valid_answers as (
    select * from scored_answers($f_start, $f_end, $f_channels, $f_countries, $f_devices)
),

-- Each customer's first dated answer of the survey decides their group (ties: lowest
-- response_id); the follow-up starts at that answer.
first_answers as (
    select customer_id, responded_at, answer_group
    from valid_answers
    where survey = $survey
      and customer_id is not null
      and responded_at is not null
    qualify row_number() over (
        partition by customer_id order by responded_at, response_id
    ) = 1
),

-- Orders are not narrowed by the global filters: what a customer bought after answering
-- is followed in every kept order. The CTE customer_orders (the answering customers'
-- kept orders) comes from satisfaction/customer_orders.sql, or from
-- customer_orders_keyed.sql when the workspace has integer customer keys
-- (metrics/satisfaction.py).
-- {customer_orders}

-- The last kept order (no filter). Read from the stored bounds when the workspace has them
-- (metrics.common.on_order_bounds), else through scoped_orders, which order_facts answers
-- (customer_orders_sql), instead of scanning every order.
data_end as (
    select max(ordered_at) as last_order_at
    from scoped_orders(null, null, null, null, null)
),

linked_answers as (
    select *
    from first_answers
    where customer_id in (select distinct customer_id from customer_orders)
),

-- Without a window, follow every answer to the end of the order data; answers given
-- after the last order cannot be followed. With a window of W days, only answers with
-- W full days of order data after them are kept, and only orders within W days count.
followed_answers as (
    select
        a.customer_id,
        a.responded_at,
        a.answer_group,
        case
            when cast($window_days as integer) is null then d.last_order_at
            else a.responded_at + to_days(cast($window_days as integer))
        end as follow_until
    from linked_answers as a
    cross join data_end as d
    where
        case
            when cast($window_days as integer) is null then a.responded_at < d.last_order_at
            else a.responded_at + to_days(cast($window_days as integer)) <= d.last_order_at
        end
),

outcomes as (
    select
        f.customer_id,
        f.answer_group,
        date_diff('day', f.responded_at, f.follow_until) as days_followed,
        count(o.ordered_at) as orders_after,
        coalesce(sum(o.revenue), 0) as revenue_after
    from followed_answers as f
    left join customer_orders as o
        on o.customer_id = f.customer_id
       and o.ordered_at > f.responded_at
       and o.ordered_at <= f.follow_until
    group by f.customer_id, f.answer_group, f.responded_at, f.follow_until
),

group_outcomes as (
    select
        answer_group,
        count(*) as customers,
        count(*) filter (where orders_after > 0) as repurchasers,
        sum(orders_after) as orders_after,
        sum(revenue_after) as revenue_after,
        median(days_followed) as median_days_followed
    from outcomes
    group by answer_group
),

group_sizes as (
    select
        answer_group,
        count(*) as answered,
        count(*) filter (where customer_id in (select customer_id from linked_answers))
            as linked
    from first_answers
    group by answer_group
),

final as (
    select
        s.answer_group,
        s.answered,
        s.linked,
        coalesce(g.customers, 0) as customers,
        coalesce(g.repurchasers, 0) as repurchasers,
        coalesce(g.orders_after, 0) as orders_after,
        coalesce(g.revenue_after, 0.0) as revenue_after,
        g.median_days_followed
    from group_sizes as s
    left join group_outcomes as g on s.answer_group = g.answer_group
)

select * from final
