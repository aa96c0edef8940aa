-- First and repeat purchase days per calendar day, for the customers whose first purchase
-- is on or before $calibration_end, up to $holdout_end: the actual side of the cumulative
-- repeat purchases chart (FHL 2005, figure 3). Same purchase-day rule as rfm_summary.sql.
with purchase_days as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_day
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id, cast(ordered_at as date)
),

numbered as (
    select
        customer_id,
        purchase_day,
        row_number() over (partition by customer_id order by purchase_day) as day_number,
        min(purchase_day) over (partition by customer_id) as first_purchase
    from purchase_days
),

calibration_customers as (
    select *
    from numbered
    where first_purchase <= $calibration_end
      and purchase_day <= $holdout_end
),

final as (
    select
        purchase_day as day,
        count(*) filter (where day_number = 1) as first_purchases,
        count(*) filter (where day_number > 1) as repeat_purchases
    from calibration_customers
    group by purchase_day
)

select * from final
order by day
