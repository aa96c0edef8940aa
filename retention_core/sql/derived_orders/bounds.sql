-- order_bounds: the first and the last kept order's time, as two rows of one column named
-- like the orders' (`ordered_at`), so that a query taking only the min / max of ordered_at
-- over every kept order gives the same answer on it (the "as of" default, the data's date
-- range: read on every page). DuckDB answers such a min / max from a table's statistics,
-- without a scan, only while no row of the table was ever deleted, and updating
-- order_facts in place deletes rows (derived_orders/update.sql): 10M orders, ~0.5 ms
-- against ~10 ms per lookup. Written by the build and by every update.
create or replace table order_bounds as
select min(ordered_at) as ordered_at from order_facts
union all
select max(ordered_at) from order_facts;
