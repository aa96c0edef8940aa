-- RFM summary per customer for the CLV models (SPEC.md, "Predictive CLV").
-- A purchase day is a (customer, calendar day) with at least one kept order: orders on the
-- same day count once and their revenue is summed. The calibration window is every purchase
-- day on or before $calibration_end; the holdout is the days after it, up to and including
-- $holdout_end. Times are whole days divided by $unit_days (1, 7 or 365.25 / 12).
-- One row per customer whose first purchase day is in the calibration window, ordered by
-- customer; the model check (metrics.clv.validate_clv_model) adds the rows of its daily
-- series at the marker (clv/rfm_summary_daily.sql).
with purchase_days as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_day,
        sum(revenue) as revenue
    from scoped_orders($f_start, $f_end, $f_channels, $f_countries, $f_devices)
    where customer_id is not null
    group by customer_id, cast(ordered_at as date)
),

numbered_days as (
    select
        *,
        row_number() over (partition by customer_id order by purchase_day) as day_number,
        min(purchase_day) over (partition by customer_id) as first_purchase
    from purchase_days
),

customers as (
    select
        customer_id,
        min(purchase_day) as first_purchase,
        max(purchase_day) filter (where purchase_day <= $calibration_end) as last_purchase,
        count(*) filter (where purchase_day <= $calibration_end) - 1 as frequency,
        -- mean revenue of the repeat purchase days; 0 for customers without any
        coalesce(avg(revenue) filter (where day_number > 1
                                      and purchase_day <= $calibration_end), 0)
            as monetary_value,
        count(*) filter (where purchase_day > $calibration_end
                         and purchase_day <= $holdout_end) as holdout_frequency,
        sum(revenue) filter (where purchase_day > $calibration_end
                             and purchase_day <= $holdout_end) as holdout_revenue
    from numbered_days
    group by customer_id
    having min(purchase_day) <= $calibration_end
),

final as (
    select
        customer_id,
        cast(frequency as double) as frequency,
        date_diff('day', first_purchase, last_purchase) / $unit_days as recency,
        date_diff('day', first_purchase, cast($calibration_end as date)) / $unit_days as "T",
        cast(monetary_value as double) as monetary_value,
        first_purchase,
        date_diff('day', first_purchase, last_purchase) as recency_days,
        date_diff('day', first_purchase, cast($calibration_end as date)) as t_days,
        holdout_frequency,
        coalesce(holdout_revenue, 0) as holdout_revenue
    from customers
)

select * from final
-- {daily}
order by customer_id
