-- The daily rows of the model check's cumulative repeat purchases chart (FHL 2005, figure 3),
-- added to clv/rfm_summary.sql at its {daily} marker: first and repeat purchase days per
-- calendar day of the customers whose first purchase is on or before $calibration_end, up to
-- $holdout_end (their customer_id is NULL).
union all by name
select
    purchase_day as day,
    count(*) filter (where day_number = 1) as first_purchases,
    count(*) filter (where day_number > 1) as repeat_purchases
from numbered_days
where first_purchase <= $calibration_end
  and purchase_day <= $holdout_end
group by purchase_day
