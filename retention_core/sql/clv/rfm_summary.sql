-- RFM summary per customer for the CLV models (SPEC.md, "Predictive CLV").
-- A purchase day is a (customer, calendar day) with at least one kept order: orders on the
-- same day count once and their revenue is summed. The calibration window is every purchase
-- day on or before $calibration_end; the holdout is the days after it, up to and including
-- $holdout_end. Times are whole days divided by $unit_days (1, 7 or 365.25 / 12).
with purchase_days as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_day,
        sum(revenue) as revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id, cast(ordered_at as date)
),

calibration_days as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_day) as day_number
    from purchase_days
    where purchase_day <= $calibration_end
),

calibration as (
    select
        customer_id,
        min(purchase_day) as first_purchase,
        max(purchase_day) as last_purchase,
        count(*) - 1 as frequency,
        -- mean revenue of the repeat purchase days; 0 for customers without any
        coalesce(avg(revenue) filter (where day_number > 1), 0) as monetary_value
    from calibration_days
    group by customer_id
),

holdout as (
    select
        customer_id,
        count(*) as holdout_frequency,
        sum(revenue) as holdout_revenue
    from purchase_days
    where purchase_day > $calibration_end
      and purchase_day <= $holdout_end
    group by customer_id
),

final as (
    select
        c.customer_id,
        cast(c.frequency as double) as frequency,
        date_diff('day', c.first_purchase, c.last_purchase) / $unit_days as recency,
        date_diff('day', c.first_purchase, cast($calibration_end as date)) / $unit_days as "T",
        cast(c.monetary_value as double) as monetary_value,
        c.first_purchase,
        date_diff('day', c.first_purchase, c.last_purchase) as recency_days,
        date_diff('day', c.first_purchase, cast($calibration_end as date)) as t_days,
        coalesce(h.holdout_frequency, 0) as holdout_frequency,
        coalesce(h.holdout_revenue, 0) as holdout_revenue
    from calibration as c
    left join holdout as h using (customer_id)
)

select * from final
order by customer_id
