/**
 * PostgreSQL's cost per flow: `node bench/sql-cost.ts [flows]` (default 1,000). The daemon runs as its
 * own process on a database of its own (`passerelle_bench_sql`, created on the server of
 * BENCH_DATABASE_URL), so the commit count is its alone; after 50 warm-up flows a burst of small UBL
 * flows goes from depot/ to retour/, and the bench prints per flow: PostgreSQL CPU (utime + stime of the
 * daemon's backends, from /proc, found by application_name), statements sent (counted by
 * bench/sql-count.mjs), commits, rows inserted/updated, and the HOT ratio of each table's updates.
 * PostgreSQL must run on this machine (for /proc). Dev script only, not part of `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { stringify } from 'yaml';
import { daemonInfoPath } from '../src/gateway/lock.ts';
import { mailboxPaths } from '../src/store/mailboxes.ts';

const flows = Number(process.argv[2] ?? 1000);
const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const dbName = 'passerelle_bench_sql';
const admin = new pg.Client({ connectionString: serverUrl.href });
await admin.connect();
if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rows.length)
  await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
serverUrl.pathname = `/${dbName}`;
const url = serverUrl.href;
const schema = `sqlcost_${Date.now()}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'passerelle-sql-cost-'));
const countFile = path.join(dataDir, 'statements.json');
const configFile = path.join(dataDir, 'passerelle.yaml');
writeFileSync(
  configFile,
  stringify({
    dataDir,
    http: { port: 0 },
    sftp: { port: 0 },
    schemas: { fetchOnStart: false },
    log: { level: 'warn' },
    partners: [{ code: 'BENCH1', name: 'Bench' }],
    databaseUrl: url,
    databaseSchema: schema,
  }),
);
const daemon = spawn(
  process.execPath,
  [
    '--import',
    fileURLToPath(new URL('./sql-count.mjs', import.meta.url)),
    fileURLToPath(new URL('../bin/passerelle.js', import.meta.url)),
    'start',
    '--config',
    configFile,
  ],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CI: '1', PGAPPNAME: schema, SQL_COUNT_FILE: countFile },
  },
);
const box = mailboxPaths(dataDir, 'BENCH1');
const template = readFileSync(
  fileURLToPath(new URL('../test/corpus/valid/ubl/cen-ubl-tc434-example1.xml', import.meta.url)),
  'utf8',
);
const drop = (name: string) => {
  writeFileSync(path.join(box.depot, `${name}.tmp`), template.replace('<cbc:ID>', `<!-- ${name} --><cbc:ID>`));
  renameSync(path.join(box.depot, `${name}.tmp`), path.join(box.depot, name));
};
const delivered = () =>
  existsSync(box.retour) ? readdirSync(box.retour).filter((f) => f.startsWith('FEN1200A_')).length : 0;
const until = async (done: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end || daemon.exitCode !== null) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const c = new pg.Client({ connectionString: url });
await c.connect();
const ticks = 100; // USER_HZ
type Snap = {
  cpu: Map<number, number>;
  db: Record<string, number>;
  tables: Map<string, { ins: number; upd: number; hot: number }>;
  statements: Record<string, number>;
};
async function snapshot(): Promise<Snap> {
  const cpu = new Map<number, number>();
  for (const { pid } of (await c.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [schema]))
    .rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpu.set(pid as number, (Number(f[11]) + Number(f[12])) / ticks);
    } catch {
      /* gone */
    }
  }
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
      [schema, `${schema}_boss`],
    )
  ).rows)
    tables.set(t.name as string, t as { ins: number; upd: number; hot: number });
  const statements = existsSync(countFile)
    ? (JSON.parse(readFileSync(countFile, 'utf8')) as Record<string, number>)
    : {};
  return { cpu, db, tables, statements };
}
try {
  await until(() => existsSync(daemonInfoPath(dataDir, true)) && existsSync(box.retour), 120000, 'start');
  for (let i = 0; i < 50; i++) drop(`warm-${i}.xml`);
  await until(() => delivered() >= 50, 120000, 'warm-up');
  await new Promise((r) => setTimeout(r, 1500)); // statistics are flushed at most once a second
  const a = await snapshot();
  const t0 = performance.now();
  for (let i = 0; i < flows; i++) drop(`burst-${i}.xml`);
  await until(() => delivered() >= 50 + flows, 600000, 'burst');
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1500));
  const b = await snapshot();
  let cpu = 0;
  for (const [pid, s] of b.cpu) cpu += s - (a.cpu.get(pid) ?? 0);
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
  console.log(`PostgreSQL CPU ${((cpu * 1000) / flows).toFixed(2)} ms a flow (${b.cpu.size} backends)`);
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
  daemon.kill('SIGTERM');
  await new Promise((r) => (daemon.exitCode !== null ? r(undefined) : daemon.once('exit', r)));
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.query(`DROP SCHEMA IF EXISTS "${schema}_boss" CASCADE`);
  await c.end();
  rmSync(dataDir, { recursive: true, force: true });
}
