-- Case and complaint projections (issue 4): one row per 办件 and per 投诉, folded from their
-- events by ingest's projector (ingest/fold.py). Events are the truth; these rows can be rebuilt
-- from them at any time, and are rebuilt for a subject whenever one of its events arrives late.

create table cases (
    case_no          text primary key,
    region_code      text not null,
    center_code      text not null,
    department_code  text,
    window_code      text,
    staff_id         text,
    matter_code      text,
    matter_name      text,
    case_type        text,
    applicant_name   text,
    applicant_kind   text,
    channel          text,
    status           text not null
                     check (status in ('applied', 'accepted', 'supplement', 'suspended',
                                       'completed', 'refused')),
    result           text,
    applied_at       timestamptz,
    accepted_at      timestamptz,
    refused_at       timestamptz,
    completed_at     timestamptz,
    delivered_at     timestamptz,
    promised_days    int,
    legal_days       int,
    stated_due_at    timestamptz,          -- 承诺办结时间 as the source stated it
    promised_due_at  timestamptz,          -- computed by the promised clock (null while frozen)
    legal_due_at     timestamptz,          -- computed by the legal clock
    pauses           jsonb not null default '[]',   -- [{kind, start, end, procedure}]
    extensions       jsonb not null default '[]',   -- [{at, days, approved_by}]
    supplement_count int not null default 0,
    first_supplement_at timestamptz,       -- the first 补正 request (the §32 notice)
    supplement_open_at timestamptz,        -- an unanswered 补正 request
    fee_total        numeric,
    rating           int,
    event_count      int not null default 0,
    first_event_at   timestamptz not null,
    last_event_at    timestamptz not null,
    updated_at       timestamptz not null default now()
);
create index cases_center_idx on cases (center_code, status);
create index cases_department_idx on cases (department_code, status);
create index cases_region_idx on cases (region_code text_pattern_ops);
create index cases_applied_idx on cases (coalesce(accepted_at, applied_at, first_event_at) desc);
create index cases_open_due_idx on cases (promised_due_at)
    where status not in ('completed', 'refused');

create table complaints (
    complaint_no    text primary key,
    region_code     text not null,
    center_code     text not null,
    department_code text,
    channel         text,
    category        text,
    summary         text,
    status          text not null check (status in ('filed', 'accepted', 'resolved')),
    filed_at        timestamptz,
    accepted_at     timestamptz,
    resolved_at     timestamptz,
    substantiated   boolean,
    satisfied       boolean,
    event_count     int not null default 0,
    first_event_at  timestamptz not null,
    last_event_at   timestamptz not null,
    updated_at      timestamptz not null default now()
);
create index complaints_center_idx on complaints (center_code, status);

-- A complaint's events carry its number in the payload only: index it for the recompute.
create index events_complaint_idx on events ((payload ->> 'complaint_no'), occurred_at)
    where kind like 'complaint.%';

-- How far a projector has read the events table (by events.id; ingest's writer takes one
-- advisory lock per batch, so ids become visible in commit order).
create table projector_cursors (
    name       text primary key,
    position   bigint not null default 0,
    updated_at timestamptz not null default now()
);
