-- Tables and macros every workspace has besides the canonical tables.
create table if not exists meta (
    key varchar primary key,
    value varchar
);

create table if not exists imports (
    import_id integer,
    kind varchar,
    file_name varchar,
    imported_at timestamp,
    file_hash varchar,
    preset varchar,
    rows_imported bigint,
    rows_new bigint,
    rows_updated bigint,
    details varchar  -- JSON: the validation report of the import
);

-- Orders that count for metrics: cancelled / refunded / voided / failed ones are kept in
-- `orders` (a later export may change them) but never reach a metric.
create or replace view kept_orders as
select * exclude (is_excluded, import_id)
from orders
where not coalesce(is_excluded, false);

-- The global filters, applied the same way by every query. NULL arguments mean "no
-- filter"; f_end is exclusive. Values always arrive as bound parameters.
create or replace macro scoped_orders(f_start, f_end, f_channels, f_countries, f_devices) as table
select *
from kept_orders
where (f_start is null or ordered_at >= f_start)
  and (f_end is null or ordered_at < f_end)
  and (f_channels is null or list_contains(f_channels, channel))
  and (f_countries is null or list_contains(f_countries, country))
  and (f_devices is null or list_contains(f_devices, device));

create or replace macro scoped_surveys(f_start, f_end, f_channels, f_countries, f_devices) as table
select * exclude (import_id)
from surveys
where (f_start is null or responded_at is null or responded_at >= f_start)
  and (f_end is null or responded_at is null or responded_at < f_end)
  and (f_channels is null or list_contains(f_channels, channel))
  and (f_countries is null or list_contains(f_countries, country))
  and (f_devices is null or list_contains(f_devices, device));

-- Events have a traffic `source` where orders have a `channel`; the channel filter
-- applies to it. Events carry no country.
create or replace macro scoped_events(f_start, f_end, f_channels, f_countries, f_devices) as table
select * exclude (import_id)
from events
where (f_start is null or event_at >= f_start)
  and (f_end is null or event_at < f_end)
  and (f_channels is null or list_contains(f_channels, source))
  and (f_devices is null or list_contains(f_devices, device));

-- Survey answers that count, with their group: a score on the survey's scale (NPS 0-10,
-- CSAT 1-5); a NULL or out-of-scale score is not an answer. answer_group: promoter 9-10 /
-- passive 7-8 / detractor 0-6 for NPS; satisfied 4-5 / unsatisfied 1-3 for CSAT
-- (SPEC.md, "NPS", "CSAT"). Every satisfaction query and the Overview read this.
create or replace macro scored_answers(f_start, f_end, f_channels, f_countries, f_devices) as table
with answers_in_scope as (
    select * exclude (survey), lower(trim(survey)) as survey
    from scoped_surveys(f_start, f_end, f_channels, f_countries, f_devices)
)
select
    *,
    case
        when survey = 'nps' and score >= 9 then 'promoter'
        when survey = 'nps' and score >= 7 then 'passive'
        when survey = 'nps' then 'detractor'
        when score >= 4 then 'satisfied'
        else 'unsatisfied'
    end as answer_group
from answers_in_scope
where (survey = 'nps' and score between 0 and 10)
   or (survey = 'csat' and score between 1 and 5);
