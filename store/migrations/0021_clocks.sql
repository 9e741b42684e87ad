-- Duty clocks (ARCHITECTURE.md → Clocks), one row per (subject, clock kind): a case's promised
-- and legal deadlines and its 补正 notice duty, a complaint's acceptance and completion.
-- Ingest's projector creates and updates them from events (core/clocks.py does the arithmetic);
-- the alert engine claims due rows with `FOR UPDATE SKIP LOCKED` on next_fire_at.
--
-- Who writes what:
--   ingest  everything but `level` and `fired_at`; on every change it sets next_fire_at from
--           level_due and the row's current level (clock_next_fire below).
--   engine  `level` (the most severe level it has raised) and `fired_at`, and then
--           next_fire_at = clock_next_fire(level_due, level, state).
-- A paused clock (an open 特别程序 or 补正) and a stopped one have next_fire_at null, unless a
-- level was already due before the pause began.

create table clocks (
    id               bigint generated always as identity primary key,
    subject_kind     text not null,          -- 'case', 'complaint', …
    subject_id       text not null,          -- case_no, complaint_no, …
    clock_kind       text not null,          -- promised, legal, supplement_notice,
                                             -- complaint_accept, complaint_complete, …
    region_code      text not null,
    center_code      text not null,
    department_code  text,
    start_at         timestamptz not null,
    budget           int not null check (budget >= 0),
    unit             text not null
                     check (unit in ('working_days', 'calendar_days', 'working_minutes', 'minutes')),
    pauses           jsonb not null default '[]',   -- [{start, end}], end null while open
    extensions       jsonb not null default '[]',   -- [{at, amount}] in the budget's unit
    policy           text not null,                 -- core.clocks preset name
    due_at           timestamptz,                   -- null while frozen by an open pause
    level_due        jsonb not null default '{}',   -- {warning|yellow|red: timestamptz}
    provisional      boolean not null default false, -- due date in a year without a notice
    calendar_version text not null,
    state            text not null check (state in ('running', 'paused', 'stopped')),
    stopped_at       timestamptz,
    level            text check (level in ('warning', 'yellow', 'red')),
    fired_at         timestamptz,
    next_fire_at     timestamptz,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (subject_kind, subject_id, clock_kind)
);
create index clocks_next_fire_idx on clocks (next_fire_at) where next_fire_at is not null;
create index clocks_open_idx on clocks (center_code, clock_kind) where state <> 'stopped';

-- The earliest due time of a level more severe than `level` (the one already raised), for a
-- clock that is not stopped; null when none is left. Severity: warning < yellow < red.
create function clock_next_fire(level_due jsonb, level text, state text)
    returns timestamptz
    language sql stable parallel safe
    return case when state = 'stopped' then null else (
        select min(d.value::timestamptz)
        from jsonb_each_text(level_due) as d(key, value)
        where array_position(array['warning', 'yellow', 'red'], d.key)
              > coalesce(array_position(array['warning', 'yellow', 'red'], level), 0)
    ) end;
