/**
 * PostgreSQL's cost per flow: `node bench/sql-cost.ts [flows]` (default 1,000). The daemon runs as its
 * own process on a database of its own (`passerelle_bench_sql`, created on the server of
 * BENCH_DATABASE_URL), so the commit count is its alone; after 50 warm-up flows a burst of small UBL
 * flows goes from depot/ to retour/, and the bench prints per flow: PostgreSQL CPU (utime + stime of the
 * daemon's backends, pg-boss's included, from /proc, found by their client ports), statements sent (counted by
 * bench/sql-count.mjs), commits, rows inserted/updated, and the HOT ratio of each table's updates.
 * PostgreSQL must run on this machine (for /proc). Dev script only, not part of `npm run bench`
 * (`npm run bench -- pipeline` prints the CPU and statements a flow too).
 */
import os from 'node:os';
import pg from 'pg';
import { BenchDaemon } from './pipeline.ts';

const flows = Number(process.argv[2] ?? 1000);
const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const dbName = 'passerelle_bench_sql';
const admin = new pg.Client({ connectionString: serverUrl.href });
await admin.connect();
if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rows.length)
  await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
serverUrl.pathname = `/${dbName}`;
const daemon = new BenchDaemon('postgres', { databaseUrl: serverUrl.href });
type Snap = {
  counters: Awaited<ReturnType<BenchDaemon['counters']>>;
  db: Record<string, number>;
  tables: Map<string, { ins: number; upd: number; hot: number }>;
  statements: Record<string, number>;
};
/**
 * `counters` (CPU of the backends, read from /proc while they live: the pool closes a connection idle for
 * 10 s) are taken before waiting for the statistics, which an idle backend flushes within 10 s.
 */
async function snapshot(): Promise<Snap> {
  const c = daemon.client!;
  await new Promise((r) => setTimeout(r, 400)); // the daemon writes its statement counts every 250 ms
  const counters = await daemon.counters();
  const statements = daemon.statementsByText();
  await new Promise((r) => setTimeout(r, 11000));
  await c.query('SELECT pg_stat_clear_snapshot()');
  const db = (
    await c.query(
      'SELECT xact_commit::float8 AS commits, tup_inserted::float8 AS inserted, tup_updated::float8 AS updated FROM pg_stat_database WHERE datname = $1',
      [dbName],
    )
  ).rows[0] as Record<string, number>;
  const tables = new Map<string, { ins: number; upd: number; hot: number }>();
  for (const t of (
    await c.query(
      `SELECT schemaname || '.' || relname AS name, n_tup_ins::float8 AS ins, n_tup_upd::float8 AS upd, n_tup_hot_upd::float8 AS hot
       FROM pg_stat_user_tables WHERE schemaname IN ($1, $2)`,
      [daemon.schema, `${daemon.schema}_boss`],
    )
  ).rows)
    tables.set(t.name as string, t as { ins: number; upd: number; hot: number });
  return { counters, db, tables, statements };
}
try {
  await daemon.ready();
  const warm = Array.from({ length: 50 }, (_, i) => `warm-${i}.xml`);
  warm.forEach((x) => daemon.drop(x));
  await daemon.waitFor(warm, 120000);
  await new Promise((r) => setTimeout(r, 11000)); // the warm-up's statistics flushed
  const a = await snapshot();
  const t0 = performance.now();
  const names = Array.from({ length: flows }, (_, i) => `burst-${i}.xml`);
  names.forEach((x) => daemon.drop(x));
  await daemon.waitFor(names, 600000);
  const seconds = (performance.now() - t0) / 1000;
  const b = await snapshot();
  let cpu = 0;
  let queueCpu = 0;
  for (const [pid, s] of b.counters.backends) {
    const used = s - (a.counters.backends.get(pid) ?? 0);
    cpu += used;
    if (b.counters.queueBackends.has(pid)) queueCpu += used;
  }
  const per = (x: number) => (x / flows).toFixed(2);
  let statements = 0;
  const byText: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(b.statements)) {
    const d = v - (a.statements[k] ?? 0);
    statements += d;
    if (d) byText.push([k, d]);
  }
  console.log(
    `${flows} flows in ${seconds.toFixed(1)} s (${(flows / seconds).toFixed(0)}/s), load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    `PostgreSQL CPU ${((cpu * 1000) / flows).toFixed(2)} ms a flow (${b.counters.backends.size} backends), of which ` +
      `pg-boss's ${b.counters.queueBackends.size} connections ${((queueCpu * 1000) / flows).toFixed(2)} ms`,
  );
  console.log(
    `per flow: ${per(statements)} statements, ${per(b.db.commits! - a.db.commits!)} commits, ${per(b.db.inserted! - a.db.inserted!)} rows inserted, ${per(b.db.updated! - a.db.updated!)} updated`,
  );
  for (const [name, t] of b.tables) {
    const o = a.tables.get(name) ?? { ins: 0, upd: 0, hot: 0 };
    if (t.upd - o.upd > 0)
      console.log(
        `  ${name}: ${per(t.upd - o.upd)} updates a flow, ${(((t.hot - o.hot) / (t.upd - o.upd)) * 100).toFixed(0)} % HOT`,
      );
  }
  for (const [k, d] of byText.sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`  ${per(d).padStart(6)}  ${k}`);
} finally {
  await daemon.stop();
}
