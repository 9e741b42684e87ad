-- 在岗率, 进驻率 and 授权率 (DOMAIN.md → Indicators; accountability/seat_time.py and
-- accountability/catalogue.py say how they are computed).
--
-- The matter catalogue learns what 进驻率 and 授权率 need: whether the matter should be handled
-- in the hall (应进必进), whether it is (进驻, in the hall's catalogue), and whether the windows
-- hold the department's 审核权 and 审批权 for it. Existing rows are matters the hall handles, so
-- they default to required and in the hall, without delegated powers until someone says so.
alter table matters
    add column hall_required       boolean not null default true,
    add column in_hall             boolean not null default true,
    add column review_authorised   boolean not null default false,
    add column approval_authorised boolean not null default false;

-- `presence_daily`: the daily aggregate 在岗率 is read from, one row per local day (the window's
-- time zone) and window: the minutes of the window's opening sessions (lunch break excluded) in
-- which the seat state was known (`observed_min`: some presence sample with occupied not null in
-- that minute) and in which someone sat in a seat of the window (`seat_min`). Working days and
-- scheduled minutes are applied when reading, with the centre's working calendar.
--
-- A table, not a materialized view and not a continuous aggregate, on both paths: presence
-- samples are dropped after 30 days (retention), and a month, quarter or year of 在岗率 must
-- outlive them, so refreshes recompute recent days only and never lower a day's observed minutes
-- (a recomputation from partly purged samples keeps the stored day). A continuous aggregate
-- cannot express the per-centre time zone and the opening-hours clipping (joins with windows and
-- centres, a session list in jsonb), so there is no .timescale variant.
create table presence_daily (
    day             date not null,
    window_code     text not null,
    region_code     text not null,
    center_code     text not null,
    department_code text not null,
    observed_min    int not null check (observed_min >= 0),
    seat_min        int not null check (seat_min >= 0 and seat_min <= observed_min),
    refreshed_at    timestamptz not null default now(),
    primary key (day, window_code)
);
create index presence_daily_center_idx on presence_daily (center_code, day);
create index presence_daily_region_idx on presence_daily (region_code text_pattern_ops, day);
