-- The per-unit rows of the split sessions in scope (temp table made by funnel/split_units.sql).
select * from funnel_split_units
