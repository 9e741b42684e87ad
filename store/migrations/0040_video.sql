-- Video (issue 6): camera settings beyond the reference row, empty-seat calibrations, presence
-- samples (every few seconds per seat), evidence files with checksums and the requests that ask
-- for them, the audit of live views, and video patrols with their findings.

alter table cameras
    add column sub_url      text,                     -- low-resolution stream for the analysis
    add column live_mode    text not null default 'auto'
                            check (live_mode in ('auto', 'passthrough', 'transcode')),
    add column analysis_fps real not null default 1 check (analysis_fps > 0 and analysis_fps <= 10),
    add column updated_at   timestamptz not null default now();

-- The picture of the empty seats each camera's presence compares with (a PNG under data_dir).
create table camera_calibrations (
    id          bigint generated always as identity primary key,
    camera_code text not null references cameras (code),
    path        text not null,
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    width       int not null,
    height      int not null,
    created_by  text not null,
    created_at  timestamptz not null default now()
);
create index camera_calibrations_camera_idx on camera_calibrations (camera_code, created_at desc);

-- One row per seat per sample. occupied is null while the seat is unknown (camera fault, not
-- calibrated yet): a fault is never an empty seat.
create table presence_samples (
    at            timestamptz not null,
    camera_code   text not null,
    window_code   text,
    seat          smallint not null default 0,
    occupied      boolean,
    score         real,
    camera_status text not null default 'ok'
                  check (camera_status in ('ok', 'offline', 'frozen', 'dark', 'covered', 'moved'))
);
create index presence_samples_window_idx on presence_samples (window_code, at);
create index presence_samples_camera_idx on presence_samples (camera_code, at);

-- Evidence files (paths relative to <data_dir>/evidence) with their SHA-256.
create table evidence (
    id           bigint generated always as identity primary key,
    kind         text not null check (kind in ('snapshot', 'clip')),
    path         text not null unique,
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    bytes        bigint not null check (bytes > 0),
    camera_code  text not null,
    window_code  text,
    alert_id     bigint,
    requested_by text not null,
    reason       text,
    taken_at     timestamptz not null,  -- the moment shown (a clip: the alert's moment)
    starts_at    timestamptz,           -- a clip's first and last packet
    ends_at      timestamptz,
    created_at   timestamptz not null default now()
);
create index evidence_window_idx on evidence (window_code, taken_at desc);
create index evidence_alert_idx on evidence (alert_id) where alert_id is not null;

-- Requests for evidence (an alert about a window, an inspector's button). Video workers claim
-- due rows with FOR UPDATE SKIP LOCKED; a clip is due 30 s after its moment.
create table evidence_requests (
    id           bigint generated always as identity primary key,
    camera_code  text not null,
    window_code  text,
    alert_id     bigint,
    kinds        text[] not null default '{snapshot,clip}',
    at           timestamptz not null default now(),
    due_at       timestamptz not null default now(),
    requested_by text not null,
    reason       text,
    status       text not null default 'pending' check (status in ('pending', 'done', 'failed')),
    attempts     int not null default 0,
    error        text,
    done_at      timestamptz,
    created_at   timestamptz not null default now()
);
create index evidence_requests_due_idx on evidence_requests (due_at) where status = 'pending';
create unique index evidence_requests_alert_idx on evidence_requests (alert_id)
    where alert_id is not null;

-- Every live view: who watched which camera from when to when (also in audit_log at its end).
create table video_views (
    id          bigint generated always as identity primary key,
    username    text not null,
    camera_code text not null,
    mode        text,
    region_code text,
    started_at  timestamptz not null default now(),
    ended_at    timestamptz
);
create index video_views_started_idx on video_views (started_at);

-- Video patrols: a round through a department's or centre's windows, N seconds each.
create table patrols (
    id                 bigint generated always as identity primary key,
    inspector          text not null,
    center_code        text not null references centers (code),
    department_code    text references departments (code),
    seconds_per_window int not null check (seconds_per_window between 3 and 600),
    started_at         timestamptz not null default now(),
    ended_at           timestamptz
);

create table patrol_visits (
    id          bigint generated always as identity primary key,
    patrol_id   bigint references patrols (id),
    window_code text not null references windows (code),
    center_code text not null,
    inspector   text not null,
    visited_at  timestamptz not null default now()
);
create index patrol_visits_day_idx on patrol_visits (center_code, visited_at);

-- A finding (GB/T 36112 checklist), its snapshot, and its two clocks: respond within 1 hour,
-- fix within 24 hours. Every change of status is a row in finding_history.
create table findings (
    id              bigint generated always as identity primary key,
    patrol_id       bigint references patrols (id),
    window_code     text not null references windows (code),
    center_code     text not null,
    department_code text not null,
    region_code     text not null,
    inspector       text not null,
    items           text[] not null check (cardinality(items) > 0),
    severity        text not null check (severity in ('minor', 'major', 'serious')),
    note            text not null default '',
    evidence_id     bigint references evidence (id),
    found_at        timestamptz not null default now(),
    respond_due_at  timestamptz not null,
    fix_due_at      timestamptz not null,
    status          text not null default 'open' check (status in ('open', 'responded', 'fixed')),
    responded_at    timestamptz,
    fixed_at        timestamptz
);
create index findings_open_idx on findings (center_code, found_at desc);

create table finding_history (
    id         bigint generated always as identity primary key,
    finding_id bigint not null references findings (id),
    at         timestamptz not null default now(),
    actor      text not null,
    action     text not null check (action in ('opened', 'responded', 'fixed')),
    note       text not null default ''
);
create index finding_history_finding_idx on finding_history (finding_id);
