-- Events are the truth (ARCHITECTURE.md → Events). `events` is time-partitioned by occurred_at
-- (a hypertable under TimescaleDB), so uniqueness of event_id lives in `event_ids`, a plain table
-- that ingest inserts into first (on conflict do nothing) in the same transaction.

create table events (
    id              bigint generated always as identity,
    event_id        uuid not null,
    kind            text not null,
    occurred_at     timestamptz not null,
    received_at     timestamptz not null default now(),
    source          text not null,
    region_code     text not null,
    center_code     text not null,
    department_code text,
    window_code     text,
    case_no         text,
    staff_id        text,
    payload         jsonb not null
);
create index events_case_idx on events (case_no, occurred_at) where case_no is not null;
create index events_window_idx on events (window_code, occurred_at) where window_code is not null;
create index events_id_idx on events (id);

create table event_ids (
    event_id    uuid primary key,
    occurred_at timestamptz not null
);

create table dead_letters (
    id          bigint generated always as identity primary key,
    received_at timestamptz not null default now(),
    source      text not null,
    reason      text not null,
    problems    jsonb not null default '[]',
    raw         bytea not null,
    replayed_at timestamptz,
    replay_result text
);
create index on dead_letters (received_at);
