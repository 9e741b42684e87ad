-- Alerts (issue 5): alerts with their lifecycle history, silences, notification channels and
-- deliveries (an outbox), the engine's durable cursors and periodic jobs, warning-policy presets
-- per centre and per matter, and per-centre rule settings.

-- The event tail needs to know which rows may still appear below its position: a row's
-- inserting transaction id, taken at insert time. pg_snapshot_xmin(pg_current_snapshot()) tells
-- which transactions have all finished, so rows with xid below it can never appear later.
-- (Added nullable without a default first, then given the default: that needs no table rewrite
-- and is allowed on a compressed hypertable; rows older than this migration keep null.)
alter table events add column xid xid8;
alter table events alter column xid set default pg_current_xact_id();
create index events_xid_idx on events (xid);

create table alerts (
    id               bigint generated always as identity primary key,
    rule             text not null,
    subject          text not null,
    dedup_key        text not null,
    level            text not null check (level in ('warning', 'yellow', 'red')),
    status           text not null default 'open'
                     check (status in ('open', 'acknowledged', 'assigned', 'resolved', 'dismissed')),
    region_code      text not null,
    center_code      text not null,
    department_code  text,
    window_code      text,
    case_no          text,
    summary          text not null,
    evidence         jsonb not null default '{}',
    repeat_count     int not null default 0,
    last_occurrence  text not null default '',
    since            timestamptz not null,            -- when the condition began
    first_seen       timestamptz not null default clock_timestamp(),
    last_seen        timestamptz not null default clock_timestamp(),
    created_at       timestamptz not null default clock_timestamp(),
    updated_at       timestamptz not null default clock_timestamp(),
    escalation_role  text not null default 'supervisor',
    escalated_at     timestamptz,
    assignee         text,
    closed_at        timestamptz,
    dismiss_reason   text check (dismiss_reason in ('false_alarm', 'duplicate', 'justified')),
    silence_id       bigint,
    trigger_event_id bigint,                          -- events.id that raised it (latency)
    check (status <> 'dismissed' or dismiss_reason is not null)
);
-- De-duplication: at most one active alert per rule and subject, across all workers.
create unique index alerts_active_dedup on alerts (dedup_key)
    where status in ('open', 'acknowledged', 'assigned');
create index alerts_active_idx on alerts (status, level) where status in ('open', 'acknowledged', 'assigned');
create index alerts_center_idx on alerts (center_code, created_at desc);
create index alerts_region_idx on alerts (region_code, created_at desc);
create index alerts_case_idx on alerts (case_no) where case_no is not null;

create table alert_history (
    id          bigint generated always as identity primary key,
    alert_id    bigint not null references alerts (id),
    at          timestamptz not null default clock_timestamp(),
    actor       text not null,
    action      text not null,
    label       text not null,  -- the lifecycle rule that allowed it
    from_status text,
    to_status   text not null,
    level       text not null,
    reason      text,
    detail      jsonb not null default '{}'
);
create index on alert_history (alert_id, at);

create table alert_silences (
    id          bigint generated always as identity primary key,
    matchers    jsonb not null,
    starts_at   timestamptz not null default now(),
    ends_at     timestamptz,
    schedule    text not null default 'always'
                check (schedule in ('always', 'weekly', 'closed_hours', 'rest_days')),
    weekdays    int[] not null default '{0,1,2,3,4}',
    from_time   time not null default '00:00',
    to_time     time not null default '23:59:59',
    comment     text not null default '',
    created_by  text not null,
    created_at  timestamptz not null default now(),
    region_code text not null default ''
);

create table notification_channels (
    id          bigint generated always as identity primary key,
    name        text not null unique,
    kind        text not null check (kind in ('webhook', 'dingtalk', 'wecom', 'email')),
    config      jsonb not null,          -- url / secret / smtp settings (password_env preferred)
    min_level   text not null default 'yellow' check (min_level in ('warning', 'yellow', 'red')),
    matchers    jsonb not null default '{}',
    enabled     boolean not null default true,
    last_error  text,                    -- the last permanent failure, shown to admins
    failed_at   timestamptz,
    created_at  timestamptz not null default now()
);

create table notification_deliveries (
    id              bigint generated always as identity primary key,
    alert_id        bigint not null references alerts (id),
    channel_id      bigint not null references notification_channels (id),
    event           text not null check (event in ('opened', 'level_changed', 'escalated', 'resolved')),
    status          text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts        int not null default 0,
    next_attempt_at timestamptz not null default clock_timestamp(),
    last_error      text,
    created_at      timestamptz not null default clock_timestamp(),
    sent_at         timestamptz
);
create index notification_deliveries_due on notification_deliveries (next_attempt_at)
    where status = 'pending';
create index on notification_deliveries (alert_id);

-- The event tail's durable position per partition: every row whose xid is below `watermark`
-- has been evaluated; `ahead` holds ids of rows at or above it that were evaluated early.
create table alert_cursors (
    name       text primary key,
    watermark  xid8 not null default '0',
    ahead      jsonb not null default '[]',  -- [[xid, id], …]
    updated_at timestamptz not null default now()
);

-- Periodic jobs: a worker runs a job by moving next_run_at forward with a conditional update,
-- so each run happens once whatever the number of workers.
create table alert_jobs (
    name          text primary key,
    next_run_at   timestamptz not null default now(),
    last_run_at   timestamptz,
    last_worker   text,
    last_seconds  double precision,
    last_error    text
);

-- Warning-policy presets (DOMAIN.md: yulin, one_day, vendor; deadline) per centre and per
-- matter; the matter's choice wins over the centre's, which wins over the default.
create table alert_policies (
    scope      text not null check (scope in ('center', 'matter')),
    code       text not null,
    rule       text not null,  -- e.g. case.promised_deadline
    preset     text not null check (preset in ('yulin', 'one_day', 'vendor', 'deadline')),
    primary key (scope, code, rule)
);

create table alert_center_settings (
    center_code       text primary key references centers (code),
    empty_minutes     int not null default 15 check (empty_minutes between 1 and 240),
    escalate_minutes  int not null default 30 check (escalate_minutes between 1 and 1440),
    stale_minutes     int not null default 30 check (stale_minutes between 1 and 1440)
);

-- What the engine keeps between evaluations, folded from events by the tail (all rebuildable
-- from events): each window's seat and camera, waiting tickets, and when each feed last spoke.
create table alert_windows (
    window_code    text primary key,
    region_code    text not null,
    center_code    text not null,
    department_code text,
    occupied       boolean,
    empty_since    timestamptz,
    last_sample_at timestamptz,
    camera_status  text not null default 'ok',
    camera_since   timestamptz,
    updated_at     timestamptz not null default now()
);

create table alert_tickets (
    key             text primary key,      -- centre / issue date / ticket number
    ticket_no       text not null,
    region_code     text not null,
    center_code     text not null,
    department_code text,
    window_code     text,
    issued_at       timestamptz not null,
    called_at       timestamptz
);
create index alert_tickets_waiting on alert_tickets (center_code, issued_at) where called_at is null;

create table alert_feeds (
    center_code   text not null,
    source        text not null,
    region_code   text not null,
    last_event_at timestamptz not null,
    primary key (center_code, source)
);
