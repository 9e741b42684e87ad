-- Reference data: the region tree (行政区划), centres, departments, windows, staff, matters,
-- cameras; console users and roles; the audit log. Codes are globally unique text keys.

create table regions (
    code        text primary key check (code ~ '^\d{6}(\d{3}){0,2}$'),
    name        text not null,
    level       text not null check (level in ('province', 'city', 'county', 'township')),
    parent_code text references regions (code)
);

-- region_prefix('610000') = '61', ('610800') = '6108', ('610802') = '610802',
-- ('610802001000') = '610802001': the code's 省/市/县/乡/村 segments (2, 2, 2, 3, 3 digits) with
-- trailing all-zero segments dropped. Every row of a region's subtree has a region_code starting
-- with its prefix. Same rule as core.regions.region_prefix.
create function region_prefix(code text) returns text
    language sql immutable parallel safe
    return case
        when length(code) = 12 and substr(code, 10, 3) <> '000' then code
        when length(code) >= 9 and substr(code, 7, 3) <> '000' then left(code, 9)
        when substr(code, 5, 2) <> '00' then left(code, 6)
        when substr(code, 3, 2) <> '00' then left(code, 4)
        else left(code, 2) end;

create table centers (
    code        text primary key,
    name        text not null,
    region_code text not null references regions (code),
    schedule    jsonb not null,
    address     text
);

create table departments (
    code        text primary key,
    center_code text not null references centers (code),
    name        text not null,
    short_name  text
);
create index on departments (center_code);

create table windows (
    code            text primary key,
    center_code     text not null references centers (code),
    department_code text not null references departments (code),
    name            text not null,
    position        int[] not null default '{0,0}',
    schedule        jsonb
);
create index on windows (center_code);

create table staff (
    staff_id             text primary key,
    name                 text not null,
    department_code      text not null references departments (code),
    window_code          text references windows (code),
    post                 text not null default 'A' check (post in ('A', 'B')),
    chief_representative boolean not null default false
);

create table matters (
    code            text primary key,
    name            text not null,
    department_code text not null references departments (code),
    case_type       text not null,
    legal_days      int not null check (legal_days >= 0),
    promised_days   int not null check (promised_days >= 0),
    fee             numeric(12, 2),
    level           int not null default 4
);

create table cameras (
    code          text primary key,
    center_code   text not null references centers (code),
    window_code   text references windows (code),
    name          text not null,
    url           text not null,
    seat_regions  jsonb not null default '[]',
    privacy_masks jsonb not null default '[]',
    enabled       boolean not null default true
);

create table users (
    id              bigint generated always as identity primary key,
    username        text not null unique check (username ~ '^[A-Za-z0-9_.\-]{2,64}$'),
    display_name    text not null,
    password_hash   text not null,
    role            text not null check (role in ('supervisor', 'inspector', 'liaison', 'leader', 'admin')),
    region_code     text not null references regions (code),
    department_code text references departments (code),
    active          boolean not null default true,
    created_at      timestamptz not null default now()
);

create table audit_log (
    id          bigint generated always as identity primary key,
    at          timestamptz not null default now(),
    actor       text not null,
    action      text not null,
    subject     text,
    region_code text,
    detail      jsonb not null default '{}'
);
create index on audit_log (at);
create index on audit_log (actor, at);
