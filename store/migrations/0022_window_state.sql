-- Window state (issue 4): the last queue activity at each window and who is clocked in there,
-- merged from queue and attendance events. Every column is a monotone merge (the latest event
-- wins by its occurred_at), so events arriving late or out of order leave the same state.

create table window_state (
    window_code        text primary key,
    region_code        text not null,
    center_code        text not null,
    department_code    text,
    last_queue_at      timestamptz,
    last_queue_kind    text,
    last_ticket_no     text,
    last_attendance_at timestamptz,
    staff_on_duty      text[] not null default '{}',
    updated_at         timestamptz not null default now()
);
create index window_state_center_idx on window_state (center_code);

-- Each staff member's latest attendance event; staff_on_duty above is derived from it.
create table staff_attendance (
    staff_id    text primary key,
    window_code text,
    center_code text not null,
    last_at     timestamptz not null,
    last_kind   text not null
                check (last_kind in ('attendance.clock_in', 'attendance.clock_out')),
    updated_at  timestamptz not null default now()
);
create index staff_attendance_window_idx on staff_attendance (window_code);
