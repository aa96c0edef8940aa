-- No purchase events: funnel/unit_groups.sql without recoveries, for callers that only
-- count carts and purchases.
select
    cast(null as varchar) as customer_id,
    cast(null as timestamp) as event_at
where false
