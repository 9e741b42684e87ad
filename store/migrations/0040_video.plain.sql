-- Plain PostgreSQL: a BRIN index on time; the video worker deletes samples older than the
-- retention (30 days by default) itself, once an hour.
create index presence_samples_time_brin on presence_samples using brin (at);
