-- The kept orders of the customers in first_answers, through the derived integer keys
-- (retention_core/derived/orders.py): the answering customers' ids are turned into keys
-- once, and the pass over order_facts probes integers instead of text (10M orders:
-- about half the time). Same rows as customer_orders.sql.
answer_keys as (
    select k.customer_key, a.customer_id
    from first_answers as a
    inner join customer_keys as k using (customer_id)
),

customer_orders as (
    select a.customer_id, o.ordered_at, o.revenue
    from order_facts as o
    inner join answer_keys as a using (customer_key)
),
