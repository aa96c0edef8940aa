-- The customers whose kept orders an import or a deleted import may have changed: every
-- customer_id of a changed row, as stored before or as written after (temp table
-- touched_rows, staged by retention_core/workspace.py). With the figures that decide
-- between updating order_facts in place and rebuilding it (derived/orders.py, `update`).
create or replace temp table touched_customers as
select distinct customer_id
from touched_rows
where customer_id is not null;

select
    (select count(*) from touched_customers) as touched,
    exists (select 1 from touched_rows where customer_id is null) as guests,
    (select count(*) from customer_keys) as customers,
    (select coalesce(max(customer_key), 0) from customer_keys) as last_key;
