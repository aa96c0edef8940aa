-- Ids derived from row content: md5 of the row's values plus how many identical rows
-- came before it in the same file (so identical rows stay distinct, and the same file
-- or an overlapping export gives the same ids again). Input: keyed_rows(k, n): the row's
-- values joined and that count (retention_core.ingest.fields.row_identity). One
-- projection, no ORDER BY: DuckDB keeps the rows' order (preserve_insertion_order, on by
-- default), so the ids come back in the rows' order.
select $prefix || substr(md5(k || $sep || cast(n as varchar)), 1, 20) as id
from keyed_rows
