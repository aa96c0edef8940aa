-- The customers CTE of retention/cohort_table.sql without a split: one segment. Reads only
-- first_orders (customer ids and order times), so the query can run on order_facts.
customers as (
    select customer_id, cohort, last_start, orders, 'all customers' as segment
    from first_orders
    where $f_start is null or first_at >= $f_start
),

