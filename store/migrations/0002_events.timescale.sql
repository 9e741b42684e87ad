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

-- start_offset => null: the policy's window reaches back to the oldest event. A refresh only
-- recomputes the buckets that inserts invalidated, so this costs little, and late events
-- (dead-letter replays, offline sources, backfills) still reach the hourly counts, as they do on
-- the plain path. With a fixed start_offset (it was '3 days') anything older was never counted.
select add_continuous_aggregate_policy('events_hourly',
    start_offset => null, end_offset => interval '1 minute',
    schedule_interval => interval '5 minutes');
