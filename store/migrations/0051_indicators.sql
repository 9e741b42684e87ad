-- Indicators (DOMAIN.md → Indicators) and the monthly scoring model and bulletins.
--
-- `indicator_daily` is the daily aggregate the indicators are read from: one row per local day
-- (the centre's time zone), centre, department, window and staff member, with the counts and
-- sums every indicator needs; any period (day, month, quarter, year) and any roll-up (window,
-- staff, department, centre, region subtree) is a sum over its rows. It aggregates the case
-- projection (`cases`, a plain table on both paths, so not a TimescaleDB continuous aggregate):
-- a materialized view on both paths, refreshed (concurrently) by the bulletin job and on demand.
-- Facts keyed to the acceptance day: accepted, same-day completions, 即办件 and their first-visit
-- completions. Facts keyed to the completion day: completions, on time / early / late against
-- the promised clock's due time, durations, ratings, incomplete data.

-- Working days in (a, b] by the national calendar; days not loaded count by the weekday rule.
create function working_days_between(a date, b date) returns int
    language sql stable parallel safe
    return (select count(*)::int
            from generate_series(a + 1, b, interval '1 day') as g(d)
            left join calendar_days cd on cd.region_code = '' and cd.day = g.d::date
            where coalesce(cd.working, extract(isodow from g.d) < 6));

create materialized view indicator_daily as
with c as (
    select k.*, coalesce(ce.schedule ->> 'timezone', 'Asia/Shanghai') as tz
    from cases k join centers ce on ce.code = k.center_code
), facts as (
    select (accepted_at at time zone tz)::date as day, region_code, center_code,
           department_code, window_code, staff_id,
           1 as acc_n,
           (completed_at is not null
            and (completed_at at time zone tz)::date = (accepted_at at time zone tz)::date)::int
               as acc_same_day,
           (case_type = 'instant')::int as inst_n,
           (case_type = 'instant' and supplement_count = 0 and completed_at is not null
            and (completed_at at time zone tz)::date = (accepted_at at time zone tz)::date)::int
               as inst_first_visit,
           0 as comp_n, 0 as comp_due_n, 0 as on_time_n, 0 as early_n, 0 as late_n,
           0 as inst_comp_n, 0::float8 as inst_minutes, 0 as prom_comp_n, 0 as prom_wd,
           0 as legal_wd, 0 as rated_n, 0 as good_n, 0 as bad_n, 0 as incomplete_n
    from c where accepted_at is not null
    union all
    select (completed_at at time zone tz)::date, region_code, center_code,
           department_code, window_code, staff_id,
           0, 0, 0, 0,
           1,
           (promised_due_at is not null)::int,
           (completed_at <= promised_due_at)::int,
           ((completed_at at time zone tz)::date < (promised_due_at at time zone tz)::date)::int,
           (completed_at > promised_due_at)::int,
           (case_type = 'instant' and accepted_at is not null)::int,
           case when case_type = 'instant' and accepted_at is not null
                then extract(epoch from completed_at - accepted_at) / 60 else 0 end,
           (case_type <> 'instant' and accepted_at is not null and legal_days > 0)::int,
           case when case_type <> 'instant' and accepted_at is not null and legal_days > 0
                then working_days_between((accepted_at at time zone tz)::date,
                                          (completed_at at time zone tz)::date) else 0 end,
           case when case_type <> 'instant' and accepted_at is not null and legal_days > 0
                then legal_days else 0 end,
           (rating is not null)::int,
           (rating in (1, 2))::int,
           (rating in (4, 5))::int,
           (accepted_at is null or staff_id is null or window_code is null
            or matter_code is null)::int
    from c where completed_at is not null and status = 'completed'
)
select day, region_code, center_code, coalesce(department_code, '') as department_code,
       coalesce(window_code, '') as window_code, coalesce(staff_id, '') as staff_id,
       sum(acc_n)::int as acc_n, sum(acc_same_day)::int as acc_same_day,
       sum(inst_n)::int as inst_n, sum(inst_first_visit)::int as inst_first_visit,
       sum(comp_n)::int as comp_n, sum(comp_due_n)::int as comp_due_n,
       sum(on_time_n)::int as on_time_n, sum(early_n)::int as early_n,
       sum(late_n)::int as late_n, sum(inst_comp_n)::int as inst_comp_n,
       sum(inst_minutes)::float8 as inst_minutes, sum(prom_comp_n)::int as prom_comp_n,
       sum(prom_wd)::int as prom_wd, sum(legal_wd)::int as legal_wd,
       sum(rated_n)::int as rated_n, sum(good_n)::int as good_n, sum(bad_n)::int as bad_n,
       sum(incomplete_n)::int as incomplete_n
from facts
group by 1, 2, 3, 4, 5, 6
with no data;
create unique index indicator_daily_key
    on indicator_daily (day, center_code, department_code, window_code, staff_id);
create index on indicator_daily (region_code text_pattern_ops, day);

-- Monthly scoring models (accountability/scoring.py); one active per centre ('' = default).
create table scoring_models (
    center_code text primary key,  -- '' for the default of every centre
    config      jsonb not null,
    updated_by  text not null,
    updated_at  timestamptz not null default now()
);

-- Monthly bulletins (月度通报): one per scope and month; the row is claimed before the PDF is
-- made (insert … on conflict do nothing), so the automatic job runs once whatever the workers.
create table bulletins (
    id           bigint generated always as identity primary key,
    region_code  text not null,
    center_code  text not null references centers (code),
    month        date not null check (extract(day from month) = 1),
    status       text not null default 'pending' check (status in ('pending', 'done', 'failed')),
    requested_by text not null,
    requested_at timestamptz not null default now(),
    made_at      timestamptz,
    pdf_path     text,
    pdf_sha256   text,
    summary      jsonb not null default '{}',
    error        text,
    unique (center_code, month)
);
create index on bulletins (region_code, month);
