-- Accountability (责任追究): cases and their history, evidence, measures, the issuing organ of
-- each centre, notices with gapless per-type-and-year numbers, replies (整改报告) and appeals
-- (申诉). Low volume, so plain tables on both paths. State changes are rows in
-- accountability_history; the case row carries the current state for queries.

create table doc_issuers (
    center_code text primary key references centers (code),
    name        text not null,  -- 发文机关全称: the red mark and the signature
    code        text not null   -- 发文机关代字, e.g. 榆政服效
);

create table accountability_cases (
    id              bigint generated always as identity primary key,
    center_code     text not null references centers (code),
    region_code     text not null,
    department_code text not null references departments (code),
    subject_kind    text not null check (subject_kind in ('staff', 'window', 'department')),
    subject_code    text not null,
    subject_name    text not null,
    origin          text not null check (origin in ('alert', 'finding', 'complaint', 'manual')),
    origin_ref      text,
    alert_level     text check (alert_level in ('warning', 'yellow', 'red')),
    title           text not null,
    facts           text not null,
    measure         text not null check (measure in ('reminder', 'talk', 'criticism',
                        'admonition', 'efficiency_warning', 'points', 'referral')),
    notice_type     text not null check (notice_type in ('supervision_order',
                        'inspection_notice', 'inspection_advice', 'rectification_notice',
                        'warning_notice', 'bulletin')),
    points          numeric(5, 1) check (points is null or points > 0),
    reply_days      int not null default 5 check (reply_days between 1 and 60),
    state           text not null default 'draft' check (state in ('draft', 'issued',
                        'awaiting_reply', 'replied', 'closed', 'appealed', 'escalated',
                        'revoked', 'deleted')),
    reply_due_at    timestamptz,
    created_by      text not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    deleted_reason  text,
    check (state <> 'deleted' or deleted_reason is not null)
);
create index on accountability_cases (region_code, state);
create index on accountability_cases (department_code, state);
create index on accountability_cases (subject_kind, subject_code);
-- One live case per origin and subject: opening the same alert twice finds the first case.
create unique index accountability_cases_origin_uq
    on accountability_cases (origin, origin_ref, subject_kind, subject_code)
    where origin_ref is not null and state <> 'deleted';

create table accountability_history (
    id         bigint generated always as identity primary key,
    case_id    bigint not null references accountability_cases (id),
    at         timestamptz not null default now(),
    actor      text not null,
    role       text,
    action     text not null,
    rule       text not null,
    from_state text,
    to_state   text not null,
    reason     text,
    detail     jsonb not null default '{}'
);
create index on accountability_history (case_id, id);

create table accountability_evidence (
    id          bigint generated always as identity primary key,
    case_id     bigint not null references accountability_cases (id),
    kind        text not null check (kind in ('alert', 'snapshot', 'clip', 'timeline', 'event',
                    'document', 'note')),
    ref         text,
    caption     text not null,
    occurred_at timestamptz,
    path        text,
    sha256      text,
    detail      jsonb not null default '{}',
    added_by    text not null,
    added_at    timestamptz not null default now()
);
create index on accountability_evidence (case_id, id);

create table accountability_measures (
    id              bigint generated always as identity primary key,
    case_id         bigint not null references accountability_cases (id),
    measure         text not null,
    subject_kind    text not null,
    subject_code    text not null,
    department_code text not null,
    year            int not null,
    decided_at      timestamptz not null,
    decided_by      text not null,
    points          numeric(5, 1),
    consequences    text[] not null default '{}',
    revoked_at      timestamptz,
    revoked_reason  text
);
create index on accountability_measures (subject_kind, subject_code, year);
create index on accountability_measures (department_code, year);

-- Numbering: one counter per (centre, document type, year), bumped by
-- `update … set n = n + 1 returning n` inside the issuing transaction.
create table doc_counters (
    center_code text not null references centers (code),
    doc_type    text not null,
    year        int not null check (year between 1000 and 9999),
    n           int not null default 0 check (n >= 0),
    primary key (center_code, doc_type, year)
);

create table notices (
    id              bigint generated always as identity primary key,
    case_id         bigint references accountability_cases (id),  -- null: a 通报 without a case
    center_code     text not null references centers (code),
    region_code     text not null,
    department_code text references departments (code),  -- 主送; null for a general 通报
    doc_type        text not null,
    year            int not null,
    number          int not null check (number >= 1),
    doc_number      text not null,
    title           text not null,
    issued_at       timestamptz not null,
    issued_by       text not null,
    reply_due_at    timestamptz,
    fields          jsonb not null,  -- everything the PDF and DOCX show, frozen at issue
    pdf_path        text,
    pdf_sha256      text,
    docx_path       text,
    docx_sha256     text,
    rendered_at     timestamptz,
    voided_at       timestamptz,
    void_reason     text,
    unique (center_code, doc_type, year, number)
);
create index on notices (case_id);
create index on notices (department_code, issued_at);
create index on notices (region_code, issued_at);

-- A number once given is never given again: notices are voided, never deleted, and their
-- number fields never change.
create function notices_keep_numbers() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' then
        raise exception 'notice % (%) cannot be deleted; void it instead', old.id, old.doc_number;
    end if;
    if (new.center_code, new.doc_type, new.year, new.number, new.doc_number)
       is distinct from (old.center_code, old.doc_type, old.year, old.number, old.doc_number) then
        raise exception 'the number of notice % (%) cannot change', old.id, old.doc_number;
    end if;
    return new;
end $$;
create trigger notices_keep_numbers before update or delete on notices
    for each row execute function notices_keep_numbers();

create table accountability_replies (
    id           bigint generated always as identity primary key,
    case_id      bigint not null references accountability_cases (id),
    notice_id    bigint references notices (id),
    uploaded_at  timestamptz not null,
    uploaded_by  text not null,
    file_name    text not null,
    file_path    text not null,
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes   bigint not null check (size_bytes >= 0),
    note         text,
    verdict      text check (verdict in ('accepted', 'returned')),
    verdict_at   timestamptz,
    verdict_by   text,
    verdict_note text
);
create index on accountability_replies (case_id, id);

create table accountability_appeals (
    id            bigint generated always as identity primary key,
    case_id       bigint not null references accountability_cases (id),
    filed_at      timestamptz not null,
    filed_by      text not null,
    reason        text not null,
    file_name     text,
    file_path     text,
    sha256        text check (sha256 is null or sha256 ~ '^[0-9a-f]{64}$'),
    escalated_at  timestamptz,
    escalated_by  text,
    decision      text check (decision in ('revoke', 'reject')),
    decided_at    timestamptz,
    decided_by    text,
    decision_note text
);
create index on accountability_appeals (case_id, id);
