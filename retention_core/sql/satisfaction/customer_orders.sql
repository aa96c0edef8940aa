-- The kept orders of the customers in first_answers (a CTE of after_answer.sql): one
-- pass over the orders, each probing the (small) table of answering customers.
customer_orders as (
    select o.customer_id, o.ordered_at, o.revenue
    from kept_orders as o
    semi join first_answers as a on o.customer_id = a.customer_id
),
