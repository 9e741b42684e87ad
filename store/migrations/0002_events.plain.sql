-- Plain PostgreSQL: a BRIN index on time instead of chunks, and hourly counts as a materialized
-- view that the engine refreshes (same columns as the TimescaleDB continuous aggregate).
create index events_time_brin on events using brin (occurred_at);

create materialized view events_hourly as
select date_bin(interval '1 hour', occurred_at, timestamptz '2000-01-01') as bucket,
       center_code, department_code, kind, count(*) as n
from events
group by 1, 2, 3, 4
with no data;
create unique index on events_hourly (bucket, center_code, department_code, kind);
