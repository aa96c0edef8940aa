-- Customer retention rate per period (SPEC.md): (E - N) / S, where S = customers active
-- at the start of the period, E = active at its end, N = customers whose first order falls
-- in the period. A customer is active at instant t when they have an order in
-- [t - $activity_days days, t); instants are midnights, so "the end" of a period is the
-- midnight after its last day (after "as of" for the partial period).
with
-- {crr_order_days}
-- {crr_steps}

select * from final
order by period_start
