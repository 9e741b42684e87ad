-- API keys of the ingest HTTP API (issue 4): one per sending source, scoped to a region subtree
-- or one centre. Only a SHA-256 hash of the key is kept (keys are 256-bit random, so a fast hash
-- is enough); `prefix` is the public part shown in lists and logs.

create table api_keys (
    id          bigint generated always as identity primary key,
    prefix      text not null unique,
    key_hash    text not null unique,
    name        text not null,
    source      text not null,            -- events' `source` must be it or start with it + '.'
    region_code text not null references regions (code),
    center_code text references centers (code),
    created_at  timestamptz not null default now(),
    created_by  text not null default 'system',
    last_used_at timestamptz,
    revoked_at  timestamptz
);
