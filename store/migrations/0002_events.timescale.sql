-- TimescaleDB: events as a hypertable with compression, and hourly counts as a continuous
-- aggregate kept fresh by a refresh policy.
select create_hypertable('events', by_range('occurred_at', interval '7 days'), migrate_data => true);

alter table events set (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'center_code',
    timescaledb.compress_orderby = 'occurred_at desc'
);
select add_compression_policy('events', interval '30 days');

create materialized view events_hourly
with (timescaledb.continuous) as
select time_bucket(interval '1 hour', occurred_at) as bucket,
       center_code, department_code, kind, count(*) as n
from events
group by 1, 2, 3, 4
with no data;

select add_continuous_aggregate_policy('events_hourly',
    start_offset => interval '3 days', end_offset => interval '1 minute',
    schedule_interval => interval '5 minutes');
