-- TimescaleDB: presence samples as a hypertable, compressed after 2 days, dropped after 30 days
-- (video-derived data is kept 30 days by default, DOMAIN.md → Privacy and retention).
select create_hypertable('presence_samples', by_range('at', interval '1 day'), migrate_data => true);

alter table presence_samples set (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'camera_code',
    timescaledb.compress_orderby = 'at desc'
);
select add_compression_policy('presence_samples', interval '2 days');
select add_retention_policy('presence_samples', interval '30 days');
