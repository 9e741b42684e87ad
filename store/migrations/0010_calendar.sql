-- The working calendar (DOMAIN.md → Time limits in law; core/calendar.py).
--
-- `calendar_days` holds every day of the national calendar (region_code '') as seeded from the
-- State Council notices, plus local overrides (region_code = a 行政区划代码; an override applies
-- to the region's subtree, see region_prefix). A national row with source 'local' is a national
-- override: reloading the official calendar leaves it alone.
--
-- Every change appends a row to `calendar_versions`; a day row carries the version that last
-- changed it, so "what changed since version N" is one index scan, and the engine knows when to
-- recompute open clocks. These are small reference tables, not time series: plain on both paths.

create table calendar_versions (
    version     bigint generated always as identity primary key,
    loaded_at   timestamptz not null default now(),
    action      text not null check (action in ('load_official', 'override', 'remove_override')),
    region_code text not null default '',
    actor       text not null default 'system',
    detail      jsonb not null default '{}'
);

create table calendar_days (
    region_code text not null default ''
                check (region_code = '' or region_code ~ '^\d{6}(\d{3}){0,2}$'),
    day         date not null,
    working     boolean not null,
    provisional boolean not null default false,
    name        text,
    source      text not null check (source in ('official', 'rule', 'local')),
    version     bigint not null references calendar_versions (version),
    primary key (region_code, day),
    check (region_code = '' or source = 'local')
);
create index calendar_days_version_idx on calendar_days (version);
create index calendar_days_local_idx on calendar_days (day) where region_code <> '';
